"""Receipts, printed by a separate Python process: python -m shop.receipt TOTAL."""

import sys


def format_receipt(total):
    lines = ["RECEIPT", f"total: {total:.2f}"]
    if total > 100:
        lines.append("thank you for your custom!")
    return "\n".join(lines)


def main(argv):
    total = float(argv[1])
    print(format_receipt(total))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
