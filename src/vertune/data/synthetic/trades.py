"""Seeded, rule-based simulated bank transactions with labelled fraud patterns.

Real fraud data is scarce and private, so the finance example trains on a simulation whose
fraud patterns each have a known, checkable signature:

* ``card_testing``: a stolen card is probed with many tiny online payments within minutes,
  from a device the account has never used;
* ``account_takeover``: at night, from a new device in a new city, most of the balance is
  transferred to a first-time counterparty;
* ``structuring``: repeated cash deposits just under the 50,000 CNY large-cash reporting
  threshold, spread over a few days;
* ``money_mule``: a large transfer arrives from a stranger and is passed on, minus a small
  cut, to other strangers within the hour.

Normal behaviour follows the account's profile (salaried, student, retiree, shop owner, wealthy
client), with deliberate look-alikes (night snacks, travel, a new phone, legitimate cash
deposits) so that a classifier has to read the context rather than one field. Each trade
carries ``context``: features a bank computes from the account's own history at that moment.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

STRUCTURING_THRESHOLD = 50_000.00
STRUCTURING_FLOOR = 45_000.00
TINY_AMOUNT_MAX = 10.00
SPAN_DAYS = 30
CURRENCY = "CNY"

FRAUD_PATTERNS: dict[str, str] = {
    "card_testing": "盗卡试刷",
    "account_takeover": "账户盗用",
    "structuring": "拆分存现规避大额报告",
    "money_mule": "资金过渡（跑分洗钱）",
}

DEBIT_TYPES = ("消费", "转账", "取现", "理财申购")
CREDIT_TYPES = ("入账", "存现")
ONLINE_CHANNELS = ("手机银行", "网上银行", "快捷支付")

CITIES: dict[str, str] = {
    "上海": "上海市", "北京": "北京市", "深圳": "广东省深圳市", "广州": "广东省广州市",
    "杭州": "浙江省杭州市", "成都": "四川省成都市", "武汉": "湖北省武汉市", "南京": "江苏省南京市",
    "西安": "陕西省西安市", "重庆": "重庆市", "苏州": "江苏省苏州市", "长沙": "湖南省长沙市",
    "郑州": "河南省郑州市", "天津": "天津市", "青岛": "山东省青岛市", "厦门": "福建省厦门市",
}
ISPS = ("电信", "联通", "移动")
OFFSHORE_REGIONS = ("境外 柬埔寨", "境外 缅甸", "境外 菲律宾", "境外 新加坡", "代理IP 香港")

MERCHANTS: dict[str, tuple[str, ...]] = {
    "餐饮": ("美团外卖", "瑞幸咖啡", "海底捞火锅", "沙县小吃", "星巴克", "肯德基"),
    "超市便利": ("永辉超市", "盒马鲜生", "全家便利店", "大润发", "罗森便利店"),
    "网络购物": ("京东商城", "淘宝", "拼多多", "唯品会", "爱奇艺会员"),
    "交通出行": ("滴滴出行", "中国铁路12306", "中石化加油站", "东方航空", "哈啰出行"),
    "生活缴费": ("国家电网", "中国移动话费", "城市燃气", "物业管理费", "自来水公司"),
    "医疗健康": ("社区卫生服务中心", "老百姓大药房", "市第一人民医院"),
    "教育培训": ("新东方", "学而思", "驾校报名费"),
    "文化娱乐": ("万达影城", "大麦网", "KTV", "健身房"),
    "数码家电": ("苏宁易购", "华为商城", "国美电器"),
    "珠宝奢侈品": ("周大福", "老凤祥", "免税店"),
    "批发进货": ("义乌小商品批发", "农产品批发市场", "五金建材市场"),
}
TESTING_MERCHANTS = ("某游戏点券充值", "虚拟卡券平台", "话费充值代理", "海外订阅服务", "网络打赏平台")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏飞斌宇浩凯"
EMPLOYERS = ("华夏酿酒股份有限公司", "云帆智能科技股份有限公司", "恒力精工机械股份有限公司", "东海商业银行", "市第三中学", "星河物流有限公司")


@dataclass(frozen=True)
class Profile:
    """How one kind of customer spends: amounts are log-normal, ``kinds`` are weighted."""

    name: str
    balance: tuple[float, float]
    spend_mu: float
    spend_sigma: float
    kinds: dict[str, float]
    categories: tuple[str, ...]
    night_owl: float


PROFILES: tuple[Profile, ...] = (
    Profile("上班族", (8_000, 120_000), 4.6, 1.1,
            {"消费": 0.62, "转账": 0.15, "取现": 0.05, "入账": 0.18},
            ("餐饮", "超市便利", "网络购物", "交通出行", "生活缴费", "文化娱乐", "数码家电"), 0.08),
    Profile("学生", (500, 8_000), 3.6, 0.9,
            {"消费": 0.75, "转账": 0.08, "入账": 0.17},
            ("餐饮", "网络购物", "文化娱乐", "交通出行", "教育培训"), 0.2),
    Profile("退休人员", (50_000, 400_000), 4.4, 0.9,
            {"消费": 0.55, "转账": 0.12, "取现": 0.15, "入账": 0.13, "理财申购": 0.05},
            ("超市便利", "医疗健康", "生活缴费", "餐饮"), 0.01),
    Profile("个体工商户", (20_000, 300_000), 6.6, 1.2,
            {"消费": 0.30, "转账": 0.30, "存现": 0.20, "入账": 0.15, "取现": 0.05},
            ("批发进货", "餐饮", "交通出行", "生活缴费"), 0.05),
    Profile("高净值客户", (300_000, 3_000_000), 7.4, 1.3,
            {"消费": 0.40, "转账": 0.25, "理财申购": 0.15, "入账": 0.20},
            ("珠宝奢侈品", "餐饮", "交通出行", "数码家电", "文化娱乐"), 0.03),
)
PROFILE_WEIGHTS = (0.40, 0.15, 0.15, 0.18, 0.12)
VICTIM_PROFILES: dict[str, tuple[str, ...]] = {
    "card_testing": ("上班族", "退休人员", "高净值客户"),
    "account_takeover": ("退休人员", "高净值客户", "上班族"),
    "structuring": ("个体工商户", "高净值客户"),
    "money_mule": ("学生", "上班族"),
}


@dataclass
class Account:
    account_id: str
    profile: Profile
    home_city: str
    isp: str
    device_id: str
    balance: float
    contacts: tuple[str, ...]
    employer: str


def generate_trades(count: int, seed: int, fraud_rate: float = 0.05, start: str = "2024-01-01") -> list[dict[str, Any]]:
    """``count`` trades over 30 days from ``start``, in time order, ``fraud_rate`` of them fraud.

    The same ``seed`` always yields the same trades; nothing global is touched.
    """
    if count < 0 or not 0.0 <= fraud_rate <= 1.0:
        raise ValueError("count must be >= 0 and fraud_rate within [0, 1]")
    rng = random.Random(seed)
    origin = datetime.fromisoformat(start)
    fraud_target = round(count * fraud_rate)
    # enough accounts that fraud cases rarely share a victim, even at high fraud rates
    accounts = [_new_account(rng, i) for i in range(max(8, count // 25, fraud_target // 2))]
    drafts = _fraud_drafts(rng, accounts, origin, fraud_target)
    drafts += [_normal_draft(rng, rng.choice(accounts), origin) for _ in range(count - len(drafts))]
    drafts.sort(key=lambda d: (d["timestamp"], d["account"].account_id))
    return _settle(drafts)


def describe_trade(trade: dict[str, Any]) -> str:
    """A Chinese paragraph of one trade and its account context: the fraud classifier's input."""
    ctx = trade["context"]
    ts = datetime.fromisoformat(trade["timestamp"])
    verb = {"消费": "在{cp}消费", "转账": "向{cp}转账", "取现": "取现", "理财申购": "申购{cp}",
            "入账": "收到{cp}转入", "存现": "现金存入"}[trade["trade_type"]].format(cp=trade["counterparty"])
    parts = [
        f"{ts:%Y年%m月%d日 %H:%M}（{_time_of_day(ts.hour)}），账户{trade['account_id']}"
        f"（{ctx['profile']}，常住{ctx['home_city']}）通过{trade['channel']}{verb}"
        f"{trade['amount']:,.2f}元，交易前余额{trade['balance_before']:,.2f}元。",
        f"交易地点{trade['city']}{_city_note(ctx)}，"
        f"IP归属地{trade['ip_region']}，设备{trade['device_id']}"
        f"{'（24小时内首次出现的新设备）' if ctx['new_device'] else ''}。",
    ]
    if trade["trade_type"] == "转账":
        parts.append("交易对手为首次往来。" if ctx["new_counterparty"] else "交易对手为常用联系人。")
    parts.append(
        f"该账户近1小时内交易{ctx['trades_last_hour']}笔，近24小时转入{ctx['amount_in_24h']:,.2f}元、"
        f"转出{ctx['amount_out_24h']:,.2f}元，日常单笔金额约{ctx['typical_amount']:,.0f}元。"
    )
    if ctx["recent"]:
        recent = "；".join(f"{r['timestamp'][5:16]} {r['trade_type']}{r['amount']:,.2f}元" for r in ctx["recent"])
        parts.append(f"最近交易：{recent}。")
    else:
        parts.append("此前无交易记录。")
    return "".join(parts)


# ---- accounts and normal behaviour -------------------------------------------------------


def _new_account(rng: random.Random, index: int) -> Account:
    profile = rng.choices(PROFILES, weights=PROFILE_WEIGHTS)[0]
    return Account(
        account_id=f"ACCT{100000 + index * 7919 % 900000:06d}",
        profile=profile,
        home_city=rng.choice(list(CITIES)),
        isp=rng.choice(ISPS),
        device_id=_device_id(rng),
        balance=round(rng.uniform(*profile.balance), 2),
        contacts=tuple(_person(rng) for _ in range(rng.randint(2, 5))),
        employer=rng.choice(EMPLOYERS),
    )


def _normal_draft(rng: random.Random, acct: Account, origin: datetime) -> dict[str, Any]:
    profile = acct.profile
    kind = rng.choices(list(profile.kinds), weights=list(profile.kinds.values()))[0]
    when = _normal_time(rng, origin, profile)
    amount = round(rng.lognormvariate(profile.spend_mu, profile.spend_sigma), 2)
    city = acct.home_city if rng.random() > 0.05 else rng.choice(list(CITIES))
    device = acct.device_id if rng.random() > 0.02 else _device_id(rng)  # a new phone, now and then
    draft = _draft(acct, when, kind, amount, city, device, rng)
    if kind == "消费":
        category = rng.choice(profile.categories)
        in_store = category != "网络购物" and rng.random() < 0.5
        draft.update(counterparty=rng.choice(MERCHANTS[category]), merchant_category=category,
                     channel="POS刷卡" if in_store else rng.choice(("快捷支付", "手机银行")))
    elif kind == "转账":
        known = rng.random() < 0.8
        draft.update(counterparty=rng.choice(acct.contacts) if known else _person(rng), amount=amount * 3,
                     channel=rng.choice(("手机银行", "手机银行", "网上银行")))
    elif kind == "入账":
        salary = profile.name == "上班族" and rng.random() < 0.6
        draft.update(counterparty=f"{acct.employer} 工资代发" if salary else rng.choice(acct.contacts),
                     amount=round(rng.uniform(6_000, 30_000), 2) if salary else amount * 4, channel="手机银行")
    elif kind == "存现":
        draft.update(counterparty="本人现金存入", amount=round(rng.uniform(2_000, 90_000), -2),
                     channel=rng.choice(("柜面", "ATM")))
    elif kind == "取现":
        draft.update(counterparty="ATM取款", amount=float(rng.choice((200, 500, 1_000, 2_000, 3_000, 5_000))),
                     channel="ATM")
    else:  # 理财申购
        draft.update(counterparty=rng.choice(("稳健理财30天", "天天利货币基金", "安盈1号净值型理财")),
                     amount=round(rng.uniform(10_000, 200_000), -3), channel="手机银行")
    if draft["channel"] in ("ATM", "柜面", "POS刷卡"):
        draft["device_id"] = _terminal_id(rng, draft["channel"])
    draft["amount"] = round(draft["amount"], 2)
    return draft


def _normal_time(rng: random.Random, origin: datetime, profile: Profile) -> datetime:
    day = rng.randrange(SPAN_DAYS)
    hour = rng.choice((22, 23, 0, 1)) if rng.random() < profile.night_owl else rng.randint(7, 21)
    return origin + timedelta(days=day, hours=hour, minutes=rng.randrange(60), seconds=rng.randrange(60))


# ---- fraud episodes ----------------------------------------------------------------------


def _fraud_drafts(rng: random.Random, accounts: list[Account], origin: datetime, target: int) -> list[dict[str, Any]]:
    """Whole fraud episodes, patterns in equal shares of trades, cut to exactly ``target`` trades."""
    episodes: dict[str, Callable[[random.Random, Account, datetime], list[dict[str, Any]]]] = {
        "card_testing": _card_testing,
        "account_takeover": _account_takeover,
        "structuring": _structuring,
        "money_mule": _money_mule,
    }
    drafts: list[dict[str, Any]] = []
    made = dict.fromkeys(episodes, 0)
    victims: set[str] = set()
    case = 0
    while len(drafts) < target:
        pattern = min(made, key=made.__getitem__)  # balance the patterns by trade count
        acct = _pick_victim(rng, accounts, pattern, victims)
        victims.add(acct.account_id)
        t0 = (origin + timedelta(days=rng.uniform(0.5, SPAN_DAYS - 6))).replace(microsecond=0)
        case += 1
        for draft in episodes[pattern](rng, acct, t0)[: target - len(drafts)]:
            draft.update(is_fraud=1, fraud_pattern=pattern, case_id=f"C{case:04d}")
            drafts.append(draft)
            made[pattern] += 1
    return drafts


def _pick_victim(rng: random.Random, accounts: list[Account], pattern: str, victims: set[str]) -> Account:
    """An account whose profile fits the pattern, preferably one no earlier case has touched."""
    pool = [a for a in accounts if a.profile.name in VICTIM_PROFILES[pattern]] or accounts
    if pattern == "account_takeover":
        pool = [a for a in pool if a.balance >= 30_000] or pool
    return rng.choice([a for a in pool if a.account_id not in victims] or pool)


def _card_testing(rng: random.Random, acct: Account, t0: datetime) -> list[dict[str, Any]]:
    device, city = _device_id(rng), _other_city(rng, acct)
    region = rng.choice(OFFSHORE_REGIONS) if rng.random() < 0.4 else f"{CITIES[city]} {rng.choice(ISPS)}"
    when, out = t0, []
    for _ in range(rng.randint(6, 12)):
        when += timedelta(seconds=rng.randint(15, 90))
        amount = rng.choice((0.01, 0.1, 1.0, round(rng.uniform(0.01, TINY_AMOUNT_MAX - 0.01), 2)))
        draft = _draft(acct, when, "消费", amount, city, device, rng)
        draft.update(counterparty=rng.choice(TESTING_MERCHANTS), merchant_category="虚拟商品", channel="快捷支付",
                     ip_region=region)
        out.append(draft)
    return out


def _account_takeover(rng: random.Random, acct: Account, t0: datetime) -> list[dict[str, Any]]:
    device, city = _device_id(rng), _other_city(rng, acct)
    region = rng.choice(OFFSHORE_REGIONS) if rng.random() < 0.5 else f"{CITIES[city]} {rng.choice(ISPS)}"
    when = t0.replace(hour=rng.randint(0, 3), minute=rng.randrange(60), second=rng.randrange(60))
    out = []
    for _ in range(rng.choice((1, 1, 2))):
        draft = _draft(acct, when, "转账", 0.0, city, device, rng)
        draft.update(counterparty=_person(rng), channel=rng.choice(("手机银行", "网上银行")), ip_region=region,
                     drain=rng.uniform(0.6, 0.95))
        out.append(draft)
        when += timedelta(minutes=rng.randint(2, 20))
    return out


def _structuring(rng: random.Random, acct: Account, t0: datetime) -> list[dict[str, Any]]:
    when, out = t0.replace(hour=rng.randint(9, 15)), []
    for _ in range(rng.randint(3, 6)):
        channel = rng.choice(("柜面", "ATM"))
        amount = round(rng.uniform(STRUCTURING_FLOOR, STRUCTURING_THRESHOLD - 100), -2)
        city = acct.home_city if rng.random() < 0.7 else _other_city(rng, acct)
        draft = _draft(acct, when, "存现", amount, city, _terminal_id(rng, channel), rng)
        draft.update(counterparty="本人现金存入", channel=channel)
        out.append(draft)
        when += timedelta(hours=rng.randint(3, 26), minutes=rng.randrange(60))
        if not 9 <= when.hour <= 16:  # banks are closed: the next morning instead
            when = (when + timedelta(days=1 if when.hour > 16 else 0)).replace(hour=rng.randint(9, 11))
    return out


def _money_mule(rng: random.Random, acct: Account, t0: datetime) -> list[dict[str, Any]]:
    inflow = round(rng.uniform(20_000, 300_000), -2)
    parts = rng.randint(1, 3)
    kept = rng.uniform(0.005, 0.03)
    shares = [rng.uniform(0.5, 1.5) for _ in range(parts)]
    outs = [round(inflow * (1 - kept) * s / sum(shares), 2) for s in shares]
    when = t0.replace(hour=rng.randint(8, 23))
    first = _draft(acct, when, "入账", inflow, acct.home_city, acct.device_id, rng)
    first.update(counterparty=_person(rng), channel="手机银行", reserve=sum(outs))
    out = [first]
    for amount in outs:
        when += timedelta(minutes=rng.randint(3, 25))
        draft = _draft(acct, when, "转账", amount, acct.home_city, acct.device_id, rng)
        draft.update(counterparty=_person(rng), channel=rng.choice(("手机银行", "网上银行")), release=amount)
        out.append(draft)
    return out


# ---- settling: balances and context, in time order ---------------------------------------


def _draft(acct: Account, when: datetime, kind: str, amount: float, city: str, device: str,
           rng: random.Random) -> dict[str, Any]:
    return {
        "account": acct, "timestamp": when, "trade_type": kind, "amount": amount, "counterparty": "",
        "channel": "手机银行", "merchant_category": "", "city": city, "device_id": device,
        "ip_region": f"{CITIES[city]} {acct.isp if city == acct.home_city else rng.choice(ISPS)}",
        "is_fraud": 0, "fraud_pattern": None, "case_id": None,
    }


def _settle(drafts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Walk the drafts in time order, keeping balances and each account's history."""
    history: dict[str, list[dict[str, Any]]] = {}
    reserved: dict[str, float] = {}
    trades = []
    for index, draft in enumerate(drafts):
        acct: Account = draft["account"]
        past = history.setdefault(acct.account_id, [])
        pending = reserved.get(acct.account_id, 0.0)
        _fix_amount(draft, acct, pending)
        reserved[acct.account_id] = pending + draft.get("reserve", 0.0) - draft.get("release", 0.0)
        trade = _finish(draft, index, acct, past)
        acct.balance = round(acct.balance + (trade["amount"] if _is_credit(trade) else -trade["amount"]), 2)
        past.append(trade)
        trades.append(trade)
    return trades


def _fix_amount(draft: dict[str, Any], acct: Account, reserved: float) -> None:
    """Resolve drained amounts; debits other than a mule's planned outflows stay within the free balance."""
    free = acct.balance - reserved
    if "drain" in draft:
        draft["amount"] = round(acct.balance * draft["drain"], 2)
    elif draft["fraud_pattern"] == "card_testing":
        draft["amount"] = max(0.01, min(draft["amount"], round(free * 0.05, 2)))
    elif draft["trade_type"] in DEBIT_TYPES and not draft["is_fraud"]:
        if draft["amount"] > free * 0.8:
            draft["amount"] = round(free * 0.3, 2)
        if draft["amount"] < 0.01:  # nothing left to spend: a friend sends money instead
            draft.update(trade_type="入账", counterparty=acct.contacts[0], amount=2_000.00, merchant_category="",
                         channel="手机银行", device_id=acct.device_id)


def _finish(draft: dict[str, Any], index: int, acct: Account, past: list[dict[str, Any]]) -> dict[str, Any]:
    when: datetime = draft["timestamp"]
    day_ago, hour_ago = when - timedelta(hours=24), when - timedelta(hours=1)
    older = [p for p in past if datetime.fromisoformat(p["timestamp"]) <= day_ago]
    recent_day = past[len(older):]
    # "new" means first seen within the last 24 hours, so a whole burst stays flagged
    known_devices = {acct.device_id} | {p["device_id"] for p in older}
    seen_cities = {acct.home_city} | {p["city"] for p in older}
    seen_counterparties = set(acct.contacts) | {p["counterparty"] for p in older}
    online = draft["channel"] in ONLINE_CHANNELS
    return {
        "trade_id": f"T{when:%Y%m%d}{index:06d}",
        "account_id": acct.account_id,
        "timestamp": when.isoformat(sep=" "),
        "trade_type": draft["trade_type"],
        "counterparty": draft["counterparty"],
        "channel": draft["channel"],
        "amount": draft["amount"],
        "currency": CURRENCY,
        "merchant_category": draft["merchant_category"],
        "city": draft["city"],
        "device_id": draft["device_id"],
        "ip_region": draft["ip_region"],
        "balance_before": acct.balance,
        "is_fraud": draft["is_fraud"],
        "fraud_pattern": draft["fraud_pattern"],
        "case_id": draft["case_id"],
        "context": {
            "profile": acct.profile.name,
            "home_city": acct.home_city,
            "new_device": online and draft["device_id"] not in known_devices,
            "away_from_home": draft["city"] != acct.home_city,
            "new_city": draft["city"] not in seen_cities,
            "new_counterparty": draft["trade_type"] == "转账" and draft["counterparty"] not in seen_counterparties,
            "trades_last_hour": sum(datetime.fromisoformat(p["timestamp"]) > hour_ago for p in recent_day),
            "amount_in_24h": round(sum(p["amount"] for p in recent_day if _is_credit(p)), 2),
            "amount_out_24h": round(sum(p["amount"] for p in recent_day if not _is_credit(p)), 2),
            "typical_amount": round(math.exp(acct.profile.spend_mu)),
            "recent": [{k: p[k] for k in ("timestamp", "trade_type", "amount")} for p in past[-3:][::-1]],
        },
    }


# ---- small helpers -----------------------------------------------------------------------


def _is_credit(trade: dict[str, Any]) -> bool:
    return trade["trade_type"] in CREDIT_TYPES


def _other_city(rng: random.Random, acct: Account) -> str:
    return rng.choice([c for c in CITIES if c != acct.home_city])


def _person(rng: random.Random) -> str:
    return f"{rng.choice(SURNAMES)}*{rng.choice(GIVEN)}（尾号{rng.randint(1000, 9999)}）"


def _device_id(rng: random.Random) -> str:
    return f"DEV-{rng.getrandbits(32):08X}"


def _terminal_id(rng: random.Random, channel: str) -> str:
    prefix = {"ATM": "ATM", "柜面": "BRANCH", "POS刷卡": "POS"}[channel]
    return f"{prefix}-{rng.getrandbits(24):06X}"


def _city_note(ctx: dict[str, Any]) -> str:
    if not ctx["away_from_home"]:
        return ""
    return "（非常住城市，24小时内首次出现）" if ctx["new_city"] else "（非常住城市）"


def _time_of_day(hour: int) -> str:
    for end, name in ((5, "凌晨"), (8, "早晨"), (11, "上午"), (13, "中午"), (18, "下午"), (24, "晚上")):
        if hour < end:
            return name
    return "晚上"
