total = 1 + \
    2 + \
    3
if total > 5 and \
        total < 10:
    answer = "mid"
print(total, answer)
