#!/usr/bin/env python
"""Realistic ``sky-application`` batches for the benchmark: ``python bench/generate.py [ROWS...]``.

Writes ``bench/.data/sky-<rows>.xlsx`` and ``.csv`` (git-ignored; kept as a cache and rebuilt only
when missing or when this generator changes). The files look like what agencies send: the
template's title and instruction rows above the header on row 3, dates as Excel dates (some typed
as 和暦 text), codes as text with their leading zeros, a mix of channels, patterns, member types
(co-managers referring to their proprietor), industries and premiums — and about 1% of records
with a clerk's mistake (a premium off the 500-yen step, a kanji name in the kana column, a missing
address, a short phone number, a 3-digit bank code, a repeated receipt number), so that every
validator has findings to report. The CSV is UTF-8 with a BOM, as Excel saves "CSV UTF-8".

Deterministic: the same rows for the same count, on any machine.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:  # run as a script from the checkout: the project's own packages
    sys.path.insert(0, str(ROOT))

from schemas.batches import SKY_APPLICATION

DATA = HERE / ".data"
SIZES = (10_000, 100_000, 300_000)
SHEET = SKY_APPLICATION.sheet
TITLE = "小規模企業共済 契約申込（代理店受付分）"
NOTE = "太枠内を記入してください。日付は 2024/12/2 または 令和6年12月2日 の形で。"
HEADERS = [column.header for column in SKY_APPLICATION.columns]  # the kind's own headers, in order

_SURNAMES = [
    ("山田", "ヤマダ"),
    ("佐藤", "サトウ"),
    ("鈴木", "スズキ"),
    ("高橋", "タカハシ"),
    ("田中", "タナカ"),
    ("伊藤", "イトウ"),
    ("渡辺", "ワタナベ"),
    ("中村", "ナカムラ"),
    ("小林", "コバヤシ"),
    ("加藤", "カトウ"),
    ("吉田", "ヨシダ"),
    ("山本", "ヤマモト"),
    ("松本", "マツモト"),
    ("井上", "イノウエ"),
    ("木村", "キムラ"),
    ("林", "ハヤシ"),
    ("斎藤", "サイトウ"),
    ("清水", "シミズ"),
    ("山口", "ヤマグチ"),
    ("森", "モリ"),
    ("池田", "イケダ"),
]
_GIVEN = [
    ("太郎", "タロウ"),
    ("花子", "ハナコ"),
    ("一郎", "イチロウ"),
    ("陽子", "ヨウコ"),
    ("健", "ケン"),
    ("美咲", "ミサキ"),
    ("大輔", "ダイスケ"),
    ("直美", "ナオミ"),
    ("翔", "ショウ"),
    ("恵", "メグミ"),
    ("誠", "マコト"),
    ("由美", "ユミ"),
    ("浩", "ヒロシ"),
    ("幸子", "サチコ"),
    ("修", "オサム"),
    ("久美子", "クミコ"),
    ("隆", "タカシ"),
    ("明美", "アケミ"),
    ("剛", "ツヨシ"),
    ("智子", "トモコ"),
    ("学", "マナブ"),
    ("裕子", "ユウコ"),
    ("勇", "イサム"),
]
_PREFECTURES = [
    "東京都港区虎ノ門",
    "大阪府大阪市北区梅田",
    "愛知県名古屋市中区栄",
    "福岡県福岡市博多区博多駅前",
    "北海道札幌市中央区北一条西",
    "宮城県仙台市青葉区一番町",
    "広島県広島市中区基町",
    "京都府京都市下京区四条通",
]
_INDUSTRIES = [
    ("小売業", 5),
    ("サービス業", 5),
    ("卸売業", 5),
    ("製造業", 20),
    ("建設業", 20),
    ("運輸業", 20),
    ("宿泊業", 20),
    ("娯楽業", 20),
    ("不動産業", 20),
    ("農業", 20),
    ("その他", 20),
]
_BANKS = ["0001", "0005", "0009", "0010", "0017", "0033", "0036", "0138", "1251", "2010"]
_AMOUNTS = [5_000, 10_000, 10_000, 20_000, 30_000, 30_000, 50_000, 70_000, 70_000, 70_000, 1_000, 35_500]


def _weighted(rng: random.Random, pairs):
    x, total = rng.random(), 0.0
    for value, weight in pairs:
        total += weight
        if x < total:
            return value
    return pairs[-1][0]


def _wareki(day: datetime.date) -> str:
    if day >= datetime.date(2019, 5, 1):
        return f"令和{day.year - 2018}年{day.month}月{day.day}日"
    return f"平成{day.year - 1988}年{day.month}月{day.day}日"


def _real_codes() -> tuple[list[str], dict[str, tuple[str, ...]]]:
    """Real postal codes and each bank's real branch codes, from the registries the validator looks
    codes up in: agencies' files carry codes that exist (a wrong one is a clerk's mistake below)."""
    from schemas import registries

    return sorted(registries.postal_codes()), {bank: registries.branch_codes(bank) for bank in _BANKS}


def records(count: int, seed: int = 6) -> list[list]:
    """``count`` records in the template's column order (dates as date objects, codes as text)."""
    rng = random.Random(seed * 1_000_003 + count)
    postal_codes, branches = _real_codes()
    rows: list[list] = []
    proprietors: list[tuple[str, int]] = []  # (receipt, co-managers so far) of recent proprietors
    for n in range(count):
        receipt = f"TK{n + 1:06d}"
        surname, given = _SURNAMES[n % len(_SURNAMES)], _GIVEN[(n // len(_SURNAMES)) % len(_GIVEN)]
        kana = f"{surname[1]} {given[1]}"
        applied = datetime.date(2024, 4, 1) + datetime.timedelta(days=rng.randrange(250))
        birth = datetime.date(1950, 1, 1) + datetime.timedelta(days=(n * 7919) % 18_000)
        channel = _weighted(rng, [("現金あり", 0.6), ("現金なし", 0.3), ("オンライン", 0.1)])
        member = _weighted(rng, [("個人事業主", 0.7), ("会社役員", 0.25), ("共同経営者", 0.05)])
        ref = None
        if member == "共同経営者":  # refers to a recent proprietor with fewer than 2 co-managers
            if proprietors:
                ref, k = proprietors[-1]
                if k + 1 >= 2:
                    proprietors.pop()
                else:
                    proprietors[-1] = (ref, k + 1)
            else:
                member = "個人事業主"
        if member == "個人事業主":
            proprietors = [*proprietors[-49:], (receipt, 0)]
        industry, most = rng.choice(_INDUSTRIES)
        pattern = _weighted(rng, [("月払", 0.7), ("半年払", 0.1), ("年払", 0.2)])
        designated = rng.randint(1, 12) if pattern != "月払" else None
        prepaid = rng.choice([None, None, None, None, 6, 12]) if pattern == "月払" else None
        row = [
            receipt,
            applied,
            channel,
            member,
            f"{surname[0]} {given[0]}",
            kana,
            birth,
            (lambda code: f"{code[:3]}-{code[3:]}")(rng.choice(postal_codes)),
            f"{rng.choice(_PREFECTURES)}{rng.randint(1, 9)}-{rng.randint(1, 30)}-{rng.randint(1, 20)}",
            rng.choice(["03", "06", "052", "092"]) + f"-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}",
            industry,
            rng.randint(0, most),
            ref,
            rng.choice(_AMOUNTS),
            pattern,
            designated,
            prepaid,
            (bank := rng.choice(_BANKS)),
            rng.choice(branches[bank]),
            "普通" if rng.random() < 0.95 else "当座",
            f"{rng.randint(1, 9_999_999):07d}",
            kana,
        ]
        if rng.random() < 0.05:  # typed as 和暦 text
            row[1] = _wareki(applied)
        if rng.random() < 0.01:  # a clerk's mistake
            mistake = rng.randrange(6)
            if mistake == 0:
                row[13] = row[13] + 250  # off the 500-yen step
            elif mistake == 1:
                row[5] = row[4]  # kanji in the kana column
            elif mistake == 2:
                row[8] = None  # no address
            elif mistake == 3:
                row[9] = "03-1234-567"  # a digit short
            elif mistake == 4:
                row[17] = row[17][1:]  # 3-digit bank code
            elif rows:
                row[0] = rows[-1][0]  # the previous receipt number again
        rows.append(row)
    return rows


def _text(value) -> str:
    if value is None:
        return ""
    return value.strftime("%Y/%m/%d") if isinstance(value, datetime.date) else str(value)


def write_csv(path: Path, rows: list[list]) -> Path:
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow([TITLE])
        writer.writerow([NOTE])
        writer.writerow(HEADERS)
        for row in rows:
            writer.writerow([_text(v) for v in row])
    return path


def write_xlsx(path: Path, rows: list[list]) -> Path:
    import openpyxl
    from openpyxl.cell import WriteOnlyCell

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet(SHEET)
    ws.append([TITLE])
    ws.append([NOTE])
    ws.append(HEADERS)
    text_columns = {0, 7, 9, 12, 17, 18, 20}  # codes formatted as text, as in the template
    for row in rows:
        cells = []
        for j, v in enumerate(row):
            cell = WriteOnlyCell(ws, value=v)
            if isinstance(v, datetime.date):
                cell.number_format = "yyyy/m/d"
            elif j in text_columns:
                cell.number_format = "@"
            cells.append(cell)
        ws.append(cells)
    wb.save(path)
    return path


def _version() -> str:
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12]


def batch(rows: int, fmt: str) -> Path:
    """The cached batch of ``rows`` records in ``fmt`` ("xlsx" or "csv"), generated when missing."""
    DATA.mkdir(exist_ok=True)
    path = DATA / f"sky-{rows}.{fmt}"
    stamp = path.with_name(path.name + ".version")
    if path.exists() and stamp.exists() and stamp.read_text() == _version():
        return path
    data = records(rows)
    (write_xlsx if fmt == "xlsx" else write_csv)(path, data)
    stamp.write_text(_version())
    return path


def main(argv: list[str]) -> int:
    sizes = [int(a) for a in argv] or list(SIZES)
    for rows in sizes:
        for fmt in ("csv", "xlsx"):
            path = batch(rows, fmt)
            print(f"{path.relative_to(ROOT)}  {path.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
