import time


def serve(ready):
    try:
        from ferrocov.embed import cleanup_on_sigterm
    except ImportError:  # not reached
        pass  # not reached
    else:
        cleanup_on_sigterm()
    ready.set()
    while True:  # may not be reached: terminated right after ready.set()
        time.sleep(0.05)  # may not be reached
