import multiprocessing
import time

from work import sleeper

if __name__ == "__main__":
    ready = multiprocessing.Event()
    process = multiprocessing.Process(target=sleeper, args=(ready,))
    process.start()
    ready.wait(30)
    process.terminate()
    process.join()
    print(process.exitcode)
