import time

def sleeper(ready):
    started = True
    ready.set()
    time.sleep(60)  # may not be reached: terminated right after ready.set()
    finished = True  # not reached
