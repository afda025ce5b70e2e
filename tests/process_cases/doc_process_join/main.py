# pytest-cov's "Subprocess support" example for multiprocessing.Process, unchanged.
from multiprocessing import Process

def f(name):
    print('hello', name)

if __name__ == '__main__':
    p = Process(target=f, args=('bob',))
    try:
        p.start()
    finally:      # <= THIS IS ESSENTIAL
        p.join()  # <= THIS IS ESSENTIAL
