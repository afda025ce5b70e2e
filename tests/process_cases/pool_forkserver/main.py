import multiprocessing

from work import square

if __name__ == "__main__":
    ctx = multiprocessing.get_context("forkserver")
    pool = ctx.Pool(2)
    print(sum(pool.map(square, range(10))))
    pool.close()
    pool.join()
