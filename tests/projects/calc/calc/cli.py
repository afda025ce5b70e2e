import sys

from calc.ops import add


def main(argv):
    total = 0
    for arg in argv:
        total = add(total, int(arg))
    print(total)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
