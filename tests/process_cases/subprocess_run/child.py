import sys

def square(n):
    return n * n

print(square(int(sys.argv[1])))
