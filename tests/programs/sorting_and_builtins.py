people = [("bob", 30), ("alice", 25), ("carol", 35)]
by_age = sorted(people, key=lambda p: p[1])
names = list(map(lambda p: p[0].title(), people))
adults = list(filter(lambda p: p[1] >= 30, people))
total = sum(age for _, age in people)
print(by_age[0], names, adults, total, max(people, key=lambda p: p[1]))
