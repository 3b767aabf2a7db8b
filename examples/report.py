"""A sales report generator: builds text and CSV reports from order rows.

Run it:            python examples/report.py
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass


@dataclass
class Order:
    order_id: int
    customer: str
    region: str
    amount: float
    items: int


REGIONS = ["north", "south", "east", "west"]
COLUMNS = ["order_id", "customer", "region", "amount", "items"]


def make_orders(n, seed=11):
    rng = random.Random(seed)
    orders = []
    for i in range(n):
        orders.append(
            Order(
                i,
                f"customer-{rng.randrange(n // 10 + 1)}",
                rng.choice(REGIONS),
                round(rng.uniform(5, 500), 2),
                rng.randrange(1, 9),
            )
        )
    return orders


def to_csv(orders):
    text = ""
    for order in orders:
        header = ",".join(COLUMNS)  # the same for every row
        if not text:
            text = header + "\n"
        text += f"{order.order_id},{order.customer},{order.region},{order.amount},{order.items}\n"
    return text


def revenue(orders):
    total = 0.0
    for order in orders:
        total += order.amount
    return total


def revenue_by_region(orders):
    totals = {}
    for order in orders:
        if order.region not in totals.keys():
            totals[order.region] = 0.0
        totals[order.region] += order.amount
    return totals


def customers(orders):
    names = []
    for order in orders:
        names.append(order.customer)
    return names


def big_orders(orders, threshold):
    result = []
    for order in orders:
        if order.amount > threshold:
            result.append(order)
    return result


def smallest_order(orders):
    return sorted(o.amount for o in orders)[0]


def largest_order(orders):
    return sorted([o.amount for o in orders], reverse=True)[0]


def any_bulk(orders):
    bulk = False
    for order in orders:
        if order.items >= 8:
            bulk = True
            break
    return bulk


def region_lines(totals):
    lines = []
    for region in list(totals.keys()):
        lines.append(f"  {region:<6} {totals[region]:>12.2f}")
    return lines


def repeat_customers(orders):
    names = customers(orders)
    repeats = []
    for i in range(len(names)):
        if names.count(names[i]) > 1 and names[i] not in repeats:
            repeats.append(names[i])
    return repeats


def order_count(orders, region):
    return len(list(o for o in orders if o.region == region))


def render(orders):
    totals = revenue_by_region(orders)
    report = "SALES REPORT\n"
    report += "=" * 30 + "\n"
    for line in region_lines(totals):
        report = report + line + "\n"
    report += f"total revenue: {revenue(orders):.2f}\n"
    report += f"orders over 400: {len(big_orders(orders, 400))}\n"
    report += f"smallest: {smallest_order(orders)}, largest: {largest_order(orders)}\n"
    report += f"bulk orders present: {any_bulk(orders)}\n"
    report += f"north orders: {order_count(orders, 'north')}\n"
    return report


def main(n=3000):
    start = time.perf_counter()
    orders = make_orders(n)
    print(render(orders), end="")
    print(f"csv: {len(to_csv(orders))} characters")
    print(f"repeat customers: {len(repeat_customers(orders))}")
    print(f"took {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()
