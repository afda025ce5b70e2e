"""Prices, computed in a multiprocessing pool."""

import multiprocessing


def line_total(item):
    name, quantity, unit_price = item
    total = quantity * unit_price
    if quantity >= 10:
        total = total * 0.9  # bulk discount
    return round(total, 2)


def order_total(items, processes=2, method="fork"):
    context = multiprocessing.get_context(method)
    with context.Pool(processes) as pool:  # the context manager terminates the workers
        totals = pool.map(line_total, items)
    return round(sum(totals), 2)


def refund(amount):
    if amount <= 0:
        raise ValueError("nothing to refund")
    return -amount
