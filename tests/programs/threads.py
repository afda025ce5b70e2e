import threading

results = []
lock = threading.Lock()

def worker(n):
    value = n * n
    with lock:
        results.append(value)

threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(sorted(results))
