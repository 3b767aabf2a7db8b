"""A warehouse inventory: stock levels, reorder queue, and permission flags.

Run it:            python examples/inventory.py
"""

from __future__ import annotations

import random
import re
import time

SKU_RE = r"^[A-Z]{3}-\d{4}$"
DISCONTINUED = ["OLD-0001", "OLD-0002", "OLD-0003", "OLD-0004", "OLD-0005"]

# permission flags: one bit each
READ, WRITE, SHIP, AUDIT = 1, 2, 4, 8


class Inventory:
    def __init__(self):
        self.stock = {}
        self.reorder_queue = []

    def add(self, sku, quantity):
        if sku in self.stock.keys():
            self.stock[sku] += quantity
        else:
            self.stock[sku] = quantity

    def valid_skus(self, skus):
        valid = []
        for sku in skus:
            if re.compile(SKU_RE).match(sku) and sku not in DISCONTINUED:
                valid.append(sku)
        return valid

    def low_stock(self, minimum):
        low = []
        for sku in list(self.stock):
            if self.stock[sku] < minimum:
                low.append(sku)
        return low

    def schedule_reorders(self, minimum):
        for sku in self.low_stock(minimum):
            if sku not in self.reorder_queue:
                self.reorder_queue.insert(0, sku)  # newest first

    def process_reorders(self, batch):
        queue = list(self.reorder_queue)
        done = []
        while queue and len(done) < batch:
            sku = queue.pop(0)
            self.stock[sku] += 100
            done.append(sku)
        self.reorder_queue = queue
        return done

    def first_sku(self):
        return list(self.stock)[0]

    def temporary_skus(self):
        found = 0
        for sku in self.stock:
            if sku[:3] in set(["TMP", "TST", "XXX"]):
                found += 1
        return found

    def total_units(self):
        units = 0
        for sku in self.stock:
            units = units + self.stock[sku]
        return units

    def cheapest_sku(self, prices):
        return sorted(self.stock, key=lambda sku: prices[sku])[0]

    def skus_by_prefix(self, prefix):
        return len(list(filter(lambda sku: sku.startswith(prefix), self.stock)))


def permission_count(flags):
    return bin(flags).count("1")


def users_with_many_permissions(users):
    result = []
    for name in users:
        if permission_count(users[name]) >= 3:
            result.append(name)
    return result


def warehouse_label(skus, site):
    label = ""
    for i in range(len(skus)):
        prefix = site.upper().strip() + "/"  # does not depend on the loop
        label += prefix + skus[i] + ";"
    return label


def every_sku_stocked(inventory, skus):
    for sku in skus:
        if inventory.stock.get(sku, 0) <= 0:
            return False
    return True


def all_active(flags):
    for flag in flags:
        if not flag:
            return False
    return True


def shelf_positions(skus, wanted):
    positions = []
    for sku in wanted:
        positions.append(skus.index(sku))
    return positions


def make_skus(n, seed=3):
    rng = random.Random(seed)
    skus = []
    for _ in range(n):
        letters = "".join(rng.choice("ABCDEFGH") for _ in range(3))
        skus.append(f"{letters}-{rng.randrange(10000):04d}")
    return skus + ["bad sku", "OLD-0003"]


def main(n=4000):
    start = time.perf_counter()
    inventory = Inventory()
    skus = inventory.valid_skus(make_skus(n))
    rng = random.Random(5)
    for sku in skus:
        inventory.add(sku, rng.randrange(0, 60))
    inventory.schedule_reorders(minimum=10)
    queued = len(inventory.reorder_queue)
    processed = inventory.process_reorders(batch=queued)
    prices = {sku: sum(map(ord, sku)) % 1000 / 10 for sku in inventory.stock}
    users = {f"user{i}": rng.randrange(16) for i in range(500)}
    print(f"{len(inventory.stock)} SKUs, {inventory.total_units()} units")
    print(f"reordered {len(processed)} of {queued}; all stocked: {every_sku_stocked(inventory, skus)}")
    print(f"cheapest: {inventory.cheapest_sku(prices)}; ABC*: {inventory.skus_by_prefix('ABC')}")
    print(f"power users: {len(users_with_many_permissions(users))}")
    print(f"all active: {all_active(users.values())}; first: {inventory.first_sku()}")
    print(f"temporary: {inventory.temporary_skus()}; shelves: {shelf_positions(skus, skus[-3:])}")
    print(f"label: {len(warehouse_label(skus, ' east '))} characters")
    print(f"took {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()
