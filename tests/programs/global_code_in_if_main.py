def main():
    return 42

if __name__ == "__main__":
    print(main())
else:
    print("imported")
