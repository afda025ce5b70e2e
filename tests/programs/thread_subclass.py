import threading

results = []


class Worker(threading.Thread):
    def run(self):
        value = len(results)
        if value >= 0:
            results.append(value)


worker = Worker()
worker.start()
worker.join()
print(results)
