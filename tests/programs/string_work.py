import re

text = "The quick brown fox jumps over the lazy dog"
words = text.split()
counts = {}
for word in words:
    key = word.lower()
    counts[key] = counts.get(key, 0) + 1
pattern = re.compile(r"(\w)(\w*)")
swapped = pattern.sub(lambda m: m.group(2) + m.group(1), text)
print(len(counts), swapped[:10])
