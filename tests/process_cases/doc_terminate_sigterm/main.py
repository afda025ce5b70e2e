# pytest-cov's cleanup_on_sigterm example (ferrocov.embed in place of pytest_cov.embed), in a
# Process that is then terminate()d, the case that example is for.
import multiprocessing

from worker import serve

if __name__ == '__main__':
    ready = multiprocessing.Event()
    p = multiprocessing.Process(target=serve, args=(ready,))
    p.start()
    ready.wait(30)
    p.terminate()
    p.join()
    print(p.exitcode)
