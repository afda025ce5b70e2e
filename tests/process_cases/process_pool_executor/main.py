import concurrent.futures
import multiprocessing

from work import square

if __name__ == "__main__":
    with concurrent.futures.ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork")) as executor:
        print(sum(executor.map(square, range(10))))
