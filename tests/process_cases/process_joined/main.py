import multiprocessing

from work import job

if __name__ == "__main__":
    process = multiprocessing.Process(target=job, args=(3,))
    process.start()
    process.join()
    print(process.exitcode)
