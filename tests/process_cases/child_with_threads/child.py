import threading

results = []

def worker(n):
    value = n + 1
    results.append(value)

threads = [threading.Thread(target=worker, args=(i,)) for i in range(3)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(sorted(results))
