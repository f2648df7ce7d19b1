"""Seeded customer-service dialogues of a bank/brokerage, labelled with intent and sentiment.

Each dialogue is assembled from per-intent templates, random slots (card tails, amounts,
products, times), a sentiment overlay on the customer's turns, and colloquial noise (fillers,
typos, missing punctuation on phone transcripts), so that a model has to learn the intent and
the tone rather than memorise a few sentences.
"""

from __future__ import annotations

import random
from typing import Any

SENTIMENTS = ("positive", "neutral", "negative")
SENTIMENT_WEIGHTS = (0.25, 0.45, 0.30)
CHANNELS = ("手机银行在线客服", "电话客服", "微信公众号", "证券APP在线客服", "网点智能柜台")

# intent -> scenarios; a scenario keeps its turns coherent: (openings, agent replies, customer details, resolutions)
Scenario = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]]
INTENTS: dict[str, tuple[Scenario, ...]] = {
    "查询余额": (
        (("我想查一下尾号{tail}的卡还有多少钱", "帮我看看我账户余额多少", "{card}里面现在还剩多少钱啊"),
         ("您好，为保障资金安全，请您先提供持卡人姓名和身份证后四位进行验证。", "好的，请问您要查询的是尾号{tail}的{card}吗？"),
         ("验证好了，身份证后四位{id4}", "对，就是这张卡"),
         ("已为您查询，该卡当前可用余额为{amount}元，另有冻结金额0元。", "核实通过，尾号{tail}的账户可用余额{amount}元。")),
        (("怎么查余额，{app}上没找到", "{app}里哪里能看余额和明细"),
         ("您可以登录{app}，在首页“我的账户”里直接查看余额和明细。",),
         ("找到了，能不能导出近三个月的明细", "那个冻结金额是什么意思"),
         ("明细可在“账户明细-导出”中生成PDF发送到邮箱；冻结金额是暂不能使用的资金，例如未完成的预授权。",)),
        (("我工资到账了没有，想看下余额", "单位说发工资了，我卡里怎么没看到", "卡里余额显示不对，{when}明明还有{amount}元"),
         ("请您提供一下卡号后四位，我帮您查询最近的入账记录。",),
         ("尾号{tail}，{when}查的时候还没到", "是工资卡，{employer}代发的"),
         ("代发工资以单位提交时间为准，目前系统尚未收到代发指令，一般当天18点前入账。", "查询到{when}有一笔代发入账，余额已更新，请刷新页面查看。")),
    ),
    "挂失补卡": (
        (("我卡丢了，尾号{tail}，赶紧帮我挂失", "{card}好像{when}在{place}掉了，怎么挂失", "钱包被偷了，里面有你们银行的卡"),
         ("请您不要着急，我这边先帮您办理临时挂失，请提供身份证号码进行核实。", "好的，请确认需要挂失的是尾号{tail}的{card}吗？"),
         ("是的，身份证后四位是{id4}", "卡里的钱不会丢吧", "临时挂失多久有效"),
         ("已为您办理临时挂失，有效期5天，请在此期间携带身份证到任意网点办理正式挂失及补卡。", "挂失已生效，卡内资金安全，请尽快到网点办理正式挂失。")),
        (("卡找不到了要补一张新的", "补卡要多少钱，要去网点吗", "卡片磁条坏了，刷不了，想换卡"),
         ("补卡或换卡需本人携带身份证到网点办理，卡片损坏换卡免收工本费。", "您可以在{app}“卡片管理”中预约换卡，再到网点领取。"),
         ("补卡要几天能拿到", "原来的卡号会变吗"),
         ("新卡一般7个工作日内制作完成，届时会短信通知您领取，卡号保持不变。",)),
    ),
    "转账失败": (
        (("转账一直失败，提示{error}", "转账老是说{error}，急着用钱", "跨行转账转不出去是怎么回事"),
         ("请您核对收款人户名、账号和开户行是否一致，跨行转账遇到对方行系统维护也可能失败。",),
         ("户名账号我核对过好几遍了", "收款人是我{relative}，以前转过的"),
         ("经查询是对方行系统维护导致，建议您30分钟后重试或改用实时到账方式。", "已为您提交查询工单，处理结果会在24小时内短信通知您。")),
        (("我给别人转{amount}块钱，怎么显示交易失败，钱还扣了", "{when}转的钱对方没收到，钱也扣了"),
         ("给您带来不便非常抱歉，请问方便提供转账时间和金额吗？",),
         ("{when}转的，{amount}元，收款人是我{relative}", "那扣的钱什么时候退回来"),
         ("经查询该笔交易因收款行退回，款项将在1-3个工作日内原路退回您的账户。",)),
        (("为啥我转账被限额了", "一天最多只能转多少钱", "转{amount}提示超出单日限额"),
         ("可能是触发了单日转账限额，非柜面渠道默认单日限额为5万元。",),
         ("限额能不能调高一点", "我要付房款，急用"),
         ("您可以在{app}“安全中心-转账限额”中调整额度，调高需要进行人脸识别验证；大额也可到柜面办理。",)),
    ),
    "理财咨询": (
        (("{product}现在收益怎么样", "想买点{product}，风险大不大", "你们的{product}能随时取出来吗"),
         ("{product}为中低风险产品，业绩比较基准为年化2.50%-3.20%，过往业绩不代表未来表现。",),
         ("收益是保本的吗", "赎回几天到账", "起购金额多少"),
         ("该产品起购金额1元，T+1日确认份额，赎回资金一般T+1个工作日到账，不保本不保收益。",)),
        (("有没有稳一点的理财，手上有{amount}闲钱", "定期和理财哪个划算", "最近基金跌得厉害，还能买吗"),
         ("您好，请问您的风险承受能力评估结果是什么等级？我们会根据您的风险等级推荐合适的产品。",
          "理财非存款，产品有风险，投资须谨慎。请问您的资金预计多久会用到？"),
         ("我是稳健型，钱大概半年内不用", "风险评估做过了，是C3", "两三年不用"),
         ("根据您的情况，可以考虑期限匹配的中低风险产品，具体可在{app}“理财”频道查看产品说明书。",
          "短期资金可以考虑大额存单或货币基金，长期资金可以分批定投指数基金，分散买入时点。")),
    ),
    "投诉": (
        (("我要投诉，你们{branch}的工作人员态度太差了", "排队排了两个小时，就开了一个窗口"),
         ("非常抱歉给您带来了不好的体验，请提供办理业务的时间和网点名称，我们会认真核实处理。",),
         ("{when}在{branch}办的业务", "你们每次都说核实，最后都没下文"),
         ("已为您登记投诉工单，编号{ticket}，网点负责人会在2个工作日内联系您并反馈处理结果。",)),
        (("乱扣费！我卡里莫名其妙扣了{amount}元", "为什么扣我年费，我都没用过这张卡"),
         ("对于您反映的问题我们高度重视，我先帮您查一下扣费明细。",),
         ("我要求退还扣的钱，并且给个说法", "我从来没同意开通这个服务"),
         ("该笔为小额账户管理费，已为您申请退还并取消收费，款项3个工作日内到账。工单编号{ticket}。",)),
        (("短信一天发好几条营销广告，烦死了", "客服电话打了{n}次都没人接", "你们推销的{product}亏了，当时说没风险的"),
         ("非常抱歉，我这边先为您登记投诉工单，请问您希望我们怎么处理？",),
         ("把营销短信都给我关了", "我要你们给个书面答复", "当时的销售录音录像要调出来"),
         ("已为您退订营销类短信，交易提醒短信不受影响。投诉已记录，会有专人回访。",
          "已为您登记投诉工单，编号{ticket}，相关部门会在2个工作日内联系您并反馈处理结果。")),
    ),
    "开户": (
        (("我想开个股票账户，怎么弄", "在手机上能开户吗，不想去营业部", "开户需要带什么材料"),
         ("您可以下载我们的{app}，准备好本人身份证和一张本人银行卡，按照提示完成视频见证即可在线开户。",),
         ("视频见证要多久", "开户收费吗", "周末能办吗"),
         ("开户免费，视频见证工作日8:30-20:00均可进行，审核通过后次个交易日即可交易。",)),
        (("想开通创业板和科创板权限", "科创板开通要什么条件"),
         ("科创板权限要求前20个交易日日均证券资产不低于50万元，且参与证券交易满24个月。",),
         ("我资产不够50万怎么办", "我炒股才一年多"),
         ("创业板权限要求日均资产10万元以上且交易满24个月，您可以在满足条件后再申请开通。",)),
        (("给孩子办一张储蓄卡可以吗", "外地人能在这边开户吗"),
         ("开户需本人持有效身份证件办理，未成年人需由监护人陪同并提供户口本。",),
         ("孩子{n}岁，要本人到场吗", "需要提供居住证吗"),
         ("未满16周岁由监护人代办即可，请携带双方身份证件和户口本到网点办理。",)),
    ),
    "修改密码": (
        (("密码忘了，登不上{app}", "怎么重置登录密码"),
         ("登录密码可以在{app}登录页点击“忘记密码”，通过短信验证码和人脸识别重置。",),
         ("人脸识别一直不通过", "手机号换了收不到验证码"),
         ("如预留手机号已变更，需先到网点更新手机号再进行重置；人脸识别请在光线充足处摘下眼镜重试。",)),
        (("密码输错{n}次被锁了", "账户锁了登不进去"),
         ("密码连续输错被锁定后，次日零点会自动解锁，也可以通过人脸识别立即解锁。",),
         ("是不是要先解锁才能改", "现在就要用，等不了"),
         ("已为您解除锁定，请尽快修改密码，不要将密码告诉任何人，包括自称银行工作人员的人。",)),
        (("想改一下交易密码", "取款密码不记得了怎么办", "我觉得密码可能泄露了，想马上改掉"),
         ("交易密码（取款密码）遗忘需要本人携带身份证和银行卡到网点办理密码重置；记得原密码可在{app}中直接修改。",),
         ("改完密码多久生效", "网点几点关门"),
         ("密码修改即时生效；网点营业时间一般为工作日9:00-17:00，部分网点周末营业。",)),
    ),
    "信用卡还款": (
        (("信用卡账单{amount}，最低还款是多少", "信用卡还款日是哪天"),
         ("您本期账单的最低还款额为账单金额的10%，还款日为每月{day}日。",),
         ("只还最低的话利息多少", "那我先还最低的"),
         ("仅还最低还款额需按日万分之五计息，建议您尽量全额还款。",)),
        (("我晚还了{n}天，会不会影响征信", "忘记还信用卡了怎么办"),
         ("还款存在宽限期，3天内还款不视为逾期，超过宽限期可能会上报征信。",),
         ("我已经还了，什么时候到账", "能不能帮我申请停息挂账"),
         ("还款一般实时到账，额度恢复可能稍有延迟；如确有困难可申请个性化分期，需提交相关证明材料。",)),
        (("怎么设置自动还款", "信用卡能分期吗，这个月有点紧"),
         ("您可以在{app}“信用卡-还款设置”中绑定借记卡开通自动还款，也可以办理账单分期。",),
         ("分期手续费怎么算", "自动还款是全额还吗"),
         ("账单分期12期每期手续费率约0.60%，可在{app}中查看试算结果；自动还款可选全额或最低额。",)),
    ),
    "贷款咨询": (
        (("想问下房贷提前还款要怎么申请", "房贷想提前还一部分"),
         ("提前还款需提前在{app}或经办网点预约，预约成功后按约定日期扣款。",),
         ("提前还款有违约金吗", "还完月供会变少还是年限缩短"),
         ("合同签订满一年后提前还款一般不收取违约金，可选择月供减少或期限缩短，具体以借款合同约定为准。",)),
        (("消费贷利率多少，想借{amount}", "经营贷需要什么条件", "贷款审批要多久"),
         ("个人消费贷款年化利率最低3.45%起，具体以审批结果为准，额度最高可达30万元。",),
         ("需要提供收入证明吗", "额度能到多少"),
         ("线上申请一般1个工作日内给出审批结果，需授权查询征信和公积金信息，放款后可在{app}查看还款计划。",)),
        (("我的房贷利率能不能降一点", "存量房贷利率什么时候调整"),
         ("存量房贷利率会按照最新LPR和合同约定调整，请问您的合同是哪一年签的？",),
         ("{when}签的合同，当时利率挺高的", "2021年签的"),
         ("您的贷款将于下一个重定价日按最新LPR调整，调整后的利率可在{app}“贷款详情”中查看。",)),
    ),
    "账户异常": (
        (("我收到短信说卡在外地消费了{amount}元，不是我本人", "我的卡是不是被盗刷了", "半夜收到好多笔一块钱的扣款短信"),
         ("请您不要慌张，我这边先为您的卡片办理临时止付，请确认卡片是否一直在您身上？",),
         ("卡一直在我身上，{when}还用过", "那些钱能追回来吗"),
         ("已为您止付并提交盗刷争议，请尽快携带卡片到附近网点或ATM做一笔交易留存证据，并向公安机关报案。",)),
        (("有人打电话说是你们银行的，让我转账到安全账户", "有个自称客服的让我开屏幕共享"),
         ("银行不存在所谓“安全账户”，请不要向任何陌生账户转账，这是典型的电信诈骗。",),
         ("我还没转，差点就转了", "他知道我的身份证号"),
         ("请立即挂断并拨打96110反诈专线咨询，建议您修改密码并开启交易提醒。",)),
        (("账户怎么突然被冻结了", "为啥我的非柜面交易被限制了"),
         ("您的账户因交易存在风险被临时管控，需本人携带身份证到网点核实后解除。",),
         ("我没干什么啊，为什么要限制", "最近有几笔朋友的转账进来"),
         ("核实资金来源和交易背景后会为您解除限制，请不要出租、出借银行账户。",)),
    ),
}

SENTIMENT_OPEN: dict[str, tuple[str, ...]] = {
    "positive": ("您好呀", "你好，麻烦问一下", "客服小姐姐好", "打扰了，请教一下", "辛苦了～"),
    "neutral": ("你好", "在吗", "喂", "你好，请问", "客服", ""),
    "negative": ("怎么回事啊", "能不能快点回复", "又是这个问题", "喂喂喂", "有没有人管啊", "我真是服了"),
}
SENTIMENT_TAIL: dict[str, tuple[str, ...]] = {
    "positive": ("，谢谢啦", "，麻烦您了", "~", "，辛苦😊", "，你们服务一直挺好的", ""),
    "neutral": ("", "", "。", "？", "，谢谢"),
    "negative": ("！！", "，太坑了", "，气死我了", "，什么破系统", "，再这样我就销户了", "，都第{n}次了", "😡"),
}
CLOSING: dict[str, tuple[str, ...]] = {
    "positive": ("好的，明白了，太感谢了！", "解决了，你们效率真高👍", "好嘞，谢谢你耐心解答", "OK，非常满意，给你五星好评"),
    "neutral": ("好的，知道了。", "行，那我去试试。", "嗯，好的。", "明白，没有别的问题了。"),
    "negative": ("算了，说了也白说。", "行吧，反正你们每次都这么说。", "再解决不了我就打12378投诉了", "无语，浪费我时间。"),
}
AGENT_EMPATHY = ("非常理解您的心情，", "给您带来的不便深表歉意，", "请您先别着急，")
AGENT_BYE = ("感谢您的来电，祝您生活愉快！", "请问还有其他可以帮您的吗？", "稍后请对本次服务进行评价，谢谢！")

SLOTS: dict[str, tuple[str, ...]] = {
    "card": ("储蓄卡", "借记卡", "工资卡", "信用卡", "社保卡", "银行卡"),
    "app": ("手机银行", "掌上银行APP", "网银", "证券APP", "微信小程序"),
    "when": ("昨天下午", "刚才", "今天早上", "上周五", "前天晚上", "三天前", "上个月"),
    "place": ("地铁上", "商场", "人民路支行", "公司附近", "菜市场", "高铁站"),
    "product": ("天天利货币基金", "稳健理财30天", "安盈1号", "国债逆回购GC001", "沪深300指数基金", "大额存单", "养老理财"),
    "error": ("交易失败请稍后重试", "收款账户户名不符", "超出单日限额", "账户状态异常", "系统繁忙"),
    "relative": ("朋友", "老妈", "房东", "同事", "供应商"),
    "branch": ("人民路支行", "高新区支行", "城东营业部", "解放路网点"),
    "employer": ("公司", "单位", "学校", "财务"),
}
FILLERS = ("那个", "就是", "嗯", "呃", "请问", "我想问下", "麻烦")
TYPOS: dict[str, str] = {"账户": "帐户", "密码": "密吗", "已经": "以经", "余额": "余额额", "怎么": "咋", "什么": "啥",
                         "登录": "登陆", "还款": "换款", "在": "再", "的": "得"}


def generate_dialogues(count: int, seed: int) -> list[dict[str, Any]]:
    """``count`` dialogues cycling through the intents, sentiments drawn at random; seeded."""
    rng = random.Random(seed)
    intents = list(INTENTS)
    return [_dialogue(rng, i, intents[i % len(intents)]) for i in range(count)]


def _dialogue(rng: random.Random, index: int, intent: str) -> dict[str, Any]:
    sentiment = _sentiment(rng, intent)
    channel = rng.choice(CHANNELS)
    spoken = channel.endswith("电话客服")
    slots = _slots(rng)
    openings, replies, details, resolutions = rng.choice(INTENTS[intent])
    customer = [
        _opening(rng, openings, sentiment, slots),
        _customer_line(rng, rng.choice(details).format(**slots), sentiment),
    ]
    agent = [_agent_line(rng, replies, sentiment, slots), rng.choice(resolutions).format(**slots)]
    turns = [
        {"role": "customer", "text": _noisy(rng, customer[0], spoken)},
        {"role": "agent", "text": agent[0]},
        {"role": "customer", "text": _noisy(rng, customer[1], spoken)},
        {"role": "agent", "text": agent[1]},
    ]
    if rng.random() < 0.7:
        turns.append({"role": "customer", "text": _noisy(rng, rng.choice(CLOSING[sentiment]), spoken)})
        turns.append({"role": "agent", "text": rng.choice(AGENT_BYE)})
    return {"dialogue_id": f"D{index + 1:06d}", "turns": turns, "intent": intent, "sentiment": sentiment,
            "channel": channel}


def _sentiment(rng: random.Random, intent: str) -> str:
    if intent == "投诉":  # complaints are rarely cheerful
        return rng.choices(("neutral", "negative"), weights=(0.2, 0.8))[0]
    return rng.choices(SENTIMENTS, weights=SENTIMENT_WEIGHTS)[0]


def _slots(rng: random.Random) -> dict[str, str]:
    slots = {name: rng.choice(values) for name, values in SLOTS.items()}
    amount = rng.choice((rng.randint(1, 99) * 100, rng.randint(1, 50) * 1000, round(rng.uniform(10, 9999), 2)))
    slots.update(tail=f"{rng.randint(0, 9999):04d}", id4=f"{rng.randint(0, 9999):04d}", amount=f"{amount:,}",
                 n=str(rng.randint(2, 6)), day=str(rng.randint(1, 28)), ticket=f"TS{rng.randint(10**7, 10**8 - 1)}")
    return slots


def _opening(rng: random.Random, templates: tuple[str, ...], sentiment: str, slots: dict[str, str]) -> str:
    greeting = rng.choice(SENTIMENT_OPEN[sentiment])
    body = rng.choice(templates).format(**slots)
    if rng.random() < 0.3:
        body = rng.choice(FILLERS) + body
    return (greeting + "，" if greeting else "") + _customer_line(rng, body, sentiment)


def _customer_line(rng: random.Random, text: str, sentiment: str) -> str:
    return text + rng.choice(SENTIMENT_TAIL[sentiment]).replace("{n}", str(rng.randint(2, 5)))


def _agent_line(rng: random.Random, templates: tuple[str, ...], sentiment: str, slots: dict[str, str]) -> str:
    line = rng.choice(templates).format(**slots)
    apologised = line.startswith(("非常抱歉", "给您带来", "请您不要"))
    return rng.choice(AGENT_EMPATHY) + line if sentiment == "negative" and not apologised else line


def _noisy(rng: random.Random, text: str, spoken: bool) -> str:
    """Typos now and then; phone transcripts lose their punctuation and gain hesitations."""
    if rng.random() < 0.15:
        wrong, typo = rng.choice(list(TYPOS.items()))
        text = text.replace(wrong, typo, 1)
    if spoken:
        text = "".join(ch for ch in text if ch not in "，。！？!?~、").strip()
        text = rng.choice(("嗯", "呃", "喂", "")) + text
    elif rng.random() < 0.2:
        text = text.rstrip("。") + rng.choice(("？", "?", "。。。", "!", ""))
    return text
