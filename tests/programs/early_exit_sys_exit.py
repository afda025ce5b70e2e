import sys

def main():
    print("start")
    if True:
        sys.exit(3)
    print("never")

main()
print("never either")
