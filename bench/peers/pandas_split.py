"""The split of bench/shop.yaml with pandas and scikit-learn, timed: a stratified
train/test split, a scaler fitted on the training rows, text columns one-hot, CSV out.

Usage: pandas_split.py FEATURES.csv OUT_DIR -> prints read and split+write seconds.
"""
import sys
import time

import pandas as pd
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

TARGET = "returned"
DROP = ["customer", "sku"]
STANDARDIZE = ["price", "credit_limit", "tenure_days", "rating"]


def main(path, out):
    began = time.perf_counter()
    df = pd.read_csv(path)
    read = time.perf_counter() - began
    began = time.perf_counter()
    y = df[TARGET].astype(int)
    x = df.drop(columns=DROP + [TARGET])
    x = pd.get_dummies(x, dtype=int)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=0.2, stratify=y, random_state=7)
    scaler = StandardScaler().fit(x_train[STANDARDIZE])
    x_train = x_train.copy()
    x_test = x_test.copy()
    x_train[STANDARDIZE] = scaler.transform(x_train[STANDARDIZE])
    x_test[STANDARDIZE] = scaler.transform(x_test[STANDARDIZE])
    x_train.to_csv(f"{out}/X_train.csv", index=False)
    x_test.to_csv(f"{out}/X_test.csv", index=False)
    y_train.to_csv(f"{out}/y_train.csv", index=False)
    y_test.to_csv(f"{out}/y_test.csv", index=False)
    print(f"{read:.3f} {time.perf_counter() - began:.3f}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
