"""Object-heavy code: a small task scheduler simulation in the style of richards."""
import os

SCALE = float(os.environ.get("BENCH_SCALE", "1"))


class Packet:
    __slots__ = ("kind", "payload", "link")

    def __init__(self, kind, payload, link=None):
        self.kind = kind
        self.payload = payload
        self.link = link


class Task:
    def __init__(self, name, priority):
        self.name = name
        self.priority = priority
        self.queue = []
        self.handled = 0

    def accept(self, packet):
        self.queue.append(packet)

    def run(self, scheduler):
        if not self.queue:
            return False
        packet = self.queue.pop()
        self.handled += 1
        return self.handle(packet, scheduler)

    def handle(self, packet, scheduler):
        raise NotImplementedError


class Worker(Task):
    def handle(self, packet, scheduler):
        packet.payload = [(x * 7 + 3) % 256 for x in packet.payload]
        scheduler.send("device", packet)
        return True


class Device(Task):
    def handle(self, packet, scheduler):
        if sum(packet.payload) % 3 == 0:
            scheduler.send("worker", Packet("work", packet.payload[::-1]))
        return True


class Scheduler:
    def __init__(self):
        self.tasks = {"worker": Worker("worker", 2), "device": Device("device", 1)}

    def send(self, name, packet):
        self.tasks[name].accept(packet)

    def run(self, rounds):
        for i in range(rounds):
            self.send("worker", Packet("work", list(range(i % 8, i % 8 + 8))))
            busy = True
            while busy:
                busy = False
                for task in sorted(self.tasks.values(), key=lambda t: -t.priority):
                    busy = task.run(self) or busy
        return sum(t.handled for t in self.tasks.values())


print(Scheduler().run(int(400_000 * SCALE)))
