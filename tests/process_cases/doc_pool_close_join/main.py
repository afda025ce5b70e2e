# pytest-cov's "Subprocess support" example for multiprocessing.Pool, unchanged.
from multiprocessing import Pool

def f(x):
    return x*x

if __name__ == '__main__':
    p = Pool(5)
    try:
        print(p.map(f, [1, 2, 3]))
    finally:       # <= THIS IS ESSENTIAL
        p.close()  # <= THIS IS ESSENTIAL
        p.join()   # <= THIS IS ESSENTIAL
