"""Stages of an enforcement case and what each means for the citizen, as data.

Follows the facts sheet ("Case stages in plain words", /work/shared/domain/thads-facts.md §1) and
cites only what the procedure guides in corpus/procedures/ say: every figure and legal basis below
appears on one line of the named guide, with the same "old law" marker that guide uses
(tests/cases/test_stages.py checks this line by line). Nothing here is a number the guides lack.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum


class Stage(StrEnum):
    RECEIVED = "received"
    DECISION_ISSUED = "decision_issued"
    NOTIFIED = "notified"
    VOLUNTARY_PERIOD = "voluntary_period"
    VERIFICATION = "verification"
    CLASSIFIED = "classified"
    SECURITY_MEASURE = "security_measure"
    COERCION = "coercion"
    SEIZURE = "seizure"
    VALUATION = "valuation"
    AUCTION = "auction"
    PAYMENT = "payment"
    CLOSED_COMPLETED = "closed_completed"
    CLOSED_TERMINATED = "closed_terminated"
    POSTPONED = "postponed"
    SUSPENDED = "suspended"
    RESUMED = "resumed"


CLOSED_STAGES = frozenset({Stage.CLOSED_COMPLETED, Stage.CLOSED_TERMINATED})
ANY_POINT_STAGES = frozenset({Stage.POSTPONED, Stage.SUSPENDED, Stage.RESUMED})


class Classification(StrEnum):
    CO_DIEU_KIEN = "co_dieu_kien"
    CHUA_CO_DIEU_KIEN = "chua_co_dieu_kien"


CLASSIFICATION_LABELS = {
    Classification.CO_DIEU_KIEN: "Có điều kiện thi hành án",
    Classification.CHUA_CO_DIEU_KIEN: "Chưa có điều kiện thi hành án",
}


class PartyRole(StrEnum):
    CREDITOR = "creditor"  # người được thi hành án
    DEBTOR = "debtor"  # người phải thi hành án
    RELATED = "related"  # người có quyền lợi, nghĩa vụ liên quan


ROLE_LABELS = {
    PartyRole.CREDITOR: "Người được thi hành án",
    PartyRole.DEBTOR: "Người phải thi hành án",
    PartyRole.RELATED: "Người có quyền lợi, nghĩa vụ liên quan",
}
ALL_ROLES = frozenset(PartyRole)


class LimitUnit(StrEnum):
    DAYS = "days"
    WORKING_DAYS = "working_days"
    MONTHS = "months"
    YEARS = "years"


UNIT_LABELS = {LimitUnit.DAYS: "ngày", LimitUnit.WORKING_DAYS: "ngày làm việc", LimitUnit.MONTHS: "tháng", LimitUnit.YEARS: "năm"}

# The 2008 law and decree 62/2015 stopped applying on 01/7/2026 (Law 106/2025/QH15); the new law's
# corresponding limits are unconfirmed. Guides mark each old figure with one of these phrases.
NEW_LAW_EFFECTIVE = date(2026, 7, 1)
OLD_LAW = "luật cũ, hết hiệu lực từ 01/7/2026"
OLD_DECREE = "hết hiệu lực từ 01/7/2026"
OLD_DOCS = "văn bản cũ, hết hiệu lực từ 01/7/2026"
NEW_LAW_NOTE = (
    "Các thời hạn nêu ở đây lấy từ Luật THADS 2008 và Nghị định 62/2015/NĐ-CP (văn bản cũ, hết hiệu lực từ 01/7/2026). "
    "Luật Thi hành án dân sự số 106/2025/QH15 có hiệu lực từ 01/7/2026; thời hạn tương ứng chưa được xác nhận — "
    "hãy hỏi cơ quan thi hành án."
)
OFFICE_NOTE = (
    "Từ 01/7/2025, Chi cục THADS quận, huyện trước đây nay là Phòng Thi hành án dân sự khu vực; việc thi hành án "
    "đang làm dở được tiếp tục theo thời hạn và trình tự, thủ tục đang áp dụng (Công văn 3769/BTP-TCTHADS ngày 25/6/2025). "
    "Bạn nên hỏi Chấp hành viên đang phụ trách hồ sơ, hoặc cơ quan Thi hành án dân sự tỉnh/thành phố, để biết nơi làm việc mới."
)

GUIDE_TITLES = {
    "cac-buoc-sau-khi-nop-don": "Sau khi nộp đơn: các bước của việc thi hành án",
    "co-quan-thi-hanh-an-sau-sap-xep": "Cơ quan thi hành án dân sự sau khi sắp xếp năm 2025: tôi đến đâu?",
    "hoan-tam-dinh-chi-dinh-chi": "Hoãn, tạm đình chỉ và đình chỉ thi hành án",
    "ke-bien-dinh-gia-ban-dau-gia": "Kê biên, định giá và bán đấu giá tài sản thi hành án",
    "khieu-nai-thi-hanh-an": "Khiếu nại về thi hành án dân sự",
    "tu-nguyen-va-cuong-che": "Tự nguyện thi hành án và cưỡng chế thi hành án",
    "xac-minh-dieu-kien-thi-hanh-an": "Xác minh điều kiện thi hành án và trường hợp chưa có điều kiện thi hành án",
    "xac-nhan-ket-qua-thi-hanh-an": "Xác nhận kết quả thi hành án",
    "yeu-cau-thi-hanh-an": "Yêu cầu thi hành án dân sự",
}


@dataclass(frozen=True)
class Cited:
    """A sentence for the citizen with its source. `legal_basis` and `regime` are copied from the
    guide line that states the same thing; `amount`/`unit` is the figure on that line."""

    text: str
    guide: str
    legal_basis: str | None = None
    regime: str | None = None  # the guide's "old law" marker; None where the guide has none
    amount: int | None = None
    unit: LimitUnit | None = None
    # Due-date arithmetic (limits only): counted from the date the case entered `start`, after the
    # periods in `after` (e.g. verification runs 10 days after the 10-day voluntary period).
    start: Stage | None = None
    after: tuple[tuple[int, LimitUnit], ...] = ()
    confirmed: bool = True
    note: str | None = None
    roles: frozenset[PartyRole] = ALL_ROLES

    @property
    def figure(self) -> str | None:
        return f"{self.amount} {UNIT_LABELS[self.unit]}" if self.amount is not None and self.unit else None

    @property
    def citation(self) -> str | None:
        if not self.legal_basis:
            return None
        return f"{self.legal_basis} — {self.regime}" if self.regime else self.legal_basis

    @property
    def old_regime(self) -> bool:
        return bool(self.regime and "01/7/2026" in self.regime)

    def sentence(self) -> str:
        cite = f" ({self.citation})" if self.citation else ""
        return f"{self.text}{cite}."


@dataclass(frozen=True)
class StageInfo:
    stage: Stage
    step: int | None  # 1–10 on the facts sheet's list; None for postponed / suspended / resumed
    label: str
    meaning: tuple[Cited, ...]
    next_step: str
    limits: tuple[Cited, ...] = ()  # what happens next and by when
    facts: tuple[Cited, ...] = ()  # further rules that apply at this stage
    actions: tuple[Cited, ...] = ()  # what the citizen can do now
    notes: tuple[str, ...] = ()  # unconfirmed / secondary-source remarks, worded as the guides do
    guides: tuple[str, ...] = field(default=())


def _c(text: str, guide: str, basis: str | None = None, regime: str | None = None, **kw) -> Cited:
    return Cited(text=text, guide=guide, legal_basis=basis, regime=regime, **kw)


D, WD, M, Y = LimitUnit.DAYS, LimitUnit.WORKING_DAYS, LimitUnit.MONTHS, LimitUnit.YEARS
CR, DB = frozenset({PartyRole.CREDITOR}), frozenset({PartyRole.DEBTOR})
_STEPS = "cac-buoc-sau-khi-nop-don"
_REQ = "yeu-cau-thi-hanh-an"
_VOL = "tu-nguyen-va-cuong-che"
_VER = "xac-minh-dieu-kien-thi-hanh-an"
_AUC = "ke-bien-dinh-gia-ban-dau-gia"
_KN = "khieu-nai-thi-hanh-an"
_HOAN = "hoan-tam-dinh-chi-dinh-chi"
_CONF = "xac-nhan-ket-qua-thi-hanh-an"
_L08 = "Luật THADS 2008"
_NEW_COMPLAINT = "Thời hạn khiếu nại theo Luật THADS 2025 số 106/2025/QH15 chưa được xác nhận; hãy khiếu nại sớm và hỏi cơ quan thi hành án."

# --- shared sentences ----------------------------------------------------------------------------

VIA_ASSISTANT = _c("Bạn có thể gửi khiếu nại qua Trợ lý THADS; bạn nhận được mã theo dõi và thông báo khi khiếu nại đổi trạng thái", _KN)
ASK_BAILIFF = _c("Bạn có thể hỏi trực tiếp Chấp hành viên hoặc cơ quan thi hành án đang giải quyết việc của mình", _STEPS)


def _complain(what: str, amount: int, unit: LimitUnit, since: str = "") -> Cited:
    return _c(f"Nếu cho rằng {what} trái pháp luật và xâm phạm quyền, lợi ích hợp pháp của mình, bạn có thể khiếu nại trong "
              f"{amount} {UNIT_LABELS[unit]}{since}", _KN, f"Điều 140 {_L08}", OLD_LAW, amount=amount, unit=unit, note=_NEW_COMPLAINT)


COMPLAIN_PRE = _complain("quyết định, hành vi của Chấp hành viên hoặc Thủ trưởng cơ quan thi hành án (trước khi áp dụng biện pháp "
                         "bảo đảm, cưỡng chế)", 15, D, " kể từ ngày nhận được quyết định hoặc biết được hành vi")
COMPLAIN_FREEZE = _complain("việc phong tỏa tài khoản", 3, WD)
COMPLAIN_SECURITY = _complain("biện pháp bảo đảm khác", 10, D)
COMPLAIN_COERCIVE = _complain("biện pháp cưỡng chế", 30, D)
COMPLAIN_POST = _complain("quyết định, hành vi sau khi cưỡng chế", 30, D)
COMPLAIN_HOAN = _c("Nếu bạn không đồng ý với quyết định hoãn, tạm đình chỉ hoặc đình chỉ, bạn có thể khiếu nại; xem hướng dẫn "
                   "\"Khiếu nại về thi hành án dân sự\"", _HOAN)
REPORT_ASSETS = _c("Bạn nên báo ngay thông tin mới về tài sản, thu nhập của người phải thi hành án cho cơ quan thi hành án", _VER, roles=CR)
NEW_INFO_10 = _c("Khi có thông tin mới, Chấp hành viên xác minh trong 10 ngày", _VER, f"Điều 44, Điều 44a {_L08}", OLD_LAW, amount=10, unit=D)
SELF_VERIFY = _c("Bạn có quyền tự xác minh điều kiện thi hành án của người phải thi hành án", _VER, f"Điều 44 {_L08}", roles=CR)
REVERIFY_5WD = _c("Nếu kết quả bạn tự xác minh khác với kết quả của Chấp hành viên, Chấp hành viên phải xác minh lại trong 5 ngày làm việc",
                  _VER, f"Điều 44 {_L08}", OLD_LAW, amount=5, unit=WD, roles=CR)
DECLARE = _c("Bạn phải kê khai trung thực về tài sản, thu nhập của mình", _VER, f"Điều 44 {_L08}", roles=DB)
CONFIRM = _c("Bạn có thể đề nghị cơ quan thi hành án xác nhận kết quả thi hành án (nộp trực tuyến qua Cổng Dịch vụ công quốc gia, "
             "qua VNeID, trực tiếp, bằng lời nói hoặc qua bưu điện); giấy xác nhận được cấp trong 5 ngày làm việc kể từ ngày nhận được đề nghị",
             _CONF, f"Điều 53 {_L08} và Điều 37 Nghị định 62/2015/NĐ-CP", OLD_DOCS, amount=5, unit=WD,
             note="Quyết định 630/QĐ-BTP ngày 25/02/2026 của Bộ Tư pháp cũng ghi thời hạn 5 ngày làm việc (theo thuvienphapluat.vn); "
                  "thời hạn theo Luật THADS 2025 chưa được xác nhận — hãy hỏi cơ quan thi hành án.")
VOLUNTARY_OR_COERCION = _c("Khi hết thời hạn tự nguyện mà người phải thi hành án có điều kiện thi hành nhưng không tự nguyện thi hành, "
                           "cơ quan thi hành án có thể cưỡng chế thi hành án", _VOL, f"Điều 46, Điều 71 {_L08}")
AGREE_FEE = _c("Nếu hai bên tự thỏa thuận với nhau trước khi cưỡng chế được thực hiện, người được thi hành án chỉ chịu 1/3 mức phí thi hành án",
               _VOL, "Điều 4 khoản 4 Thông tư 216/2016/TT-BTC", "chưa xác nhận thông tư này còn áp dụng sau 01/7/2026", confirmed=False,
               roles=frozenset({PartyRole.CREDITOR, PartyRole.DEBTOR}))
ASSET_HIDING = _c("Nếu có dấu hiệu người phải thi hành án tẩu tán tài sản, cơ quan thi hành án áp dụng ngay biện pháp bảo đảm, "
                  "không chờ hết thời hạn tự nguyện", _VOL, f"Điều 45 {_L08}")
VOLUNTARY_10 = _c("Người phải thi hành án có 10 ngày để tự nguyện thi hành, kể từ ngày nhận được hoặc được thông báo hợp lệ quyết định thi hành án",
                  _VOL, f"Điều 45 {_L08}", OLD_LAW, amount=10, unit=D)
VERIFY_10 = _c("Chấp hành viên xác minh điều kiện thi hành án (tài sản, thu nhập) trong 10 ngày sau khi hết thời hạn tự nguyện thi hành án",
               _VER, f"Điều 44 {_L08}", OLD_LAW, amount=10, unit=D)
NOT_COUNTED = _c("Thời gian hoãn hoặc tạm đình chỉ thi hành án không tính vào thời hiệu yêu cầu thi hành án, trừ trường hợp hoãn mà "
                 "người được thi hành án đã đồng ý", _HOAN, f"Điều 30 {_L08}")
CAN_RESUME = "Sau khi hoãn hoặc tạm đình chỉ, việc thi hành án có thể được tiếp tục (tiếp tục thi hành án) khi căn cứ hoãn hoặc tạm đình chỉ không còn."
COERCION_COMPLAINTS = (COMPLAIN_COERCIVE, VIA_ASSISTANT)

# --- the catalogue ---------------------------------------------------------------------------------

_CATALOGUE: tuple[StageInfo, ...] = (
    StageInfo(
        Stage.RECEIVED, 1, "Đã nhận đơn yêu cầu thi hành án",
        (_c("Cơ quan thi hành án đã nhận đơn yêu cầu thi hành án; cơ quan phải ghi đơn vào sổ nhận đơn và thông báo bằng văn bản "
            "cho người yêu cầu", _REQ, f"Điều 31 {_L08}"),),
        "Cơ quan thi hành án ra quyết định thi hành án, hoặc từ chối bằng văn bản nếu đơn không đủ điều kiện.",
        limits=(
            _c("Quyết định thi hành án theo yêu cầu được ra trong 5 ngày làm việc kể từ ngày nhận đơn", _STEPS, f"Điều 36 {_L08}", OLD_LAW,
               amount=5, unit=WD, start=Stage.RECEIVED),
            _c("Nếu người yêu cầu không có quyền yêu cầu, nội dung yêu cầu không liên quan đến bản án, cơ quan không có thẩm quyền hoặc đã hết "
               "thời hiệu, cơ quan thi hành án phải từ chối bằng văn bản trong 5 ngày làm việc", _REQ, f"Điều 31 {_L08}", OLD_LAW,
               amount=5, unit=WD, start=Stage.RECEIVED),
        ),
        actions=(ASK_BAILIFF, REPORT_ASSETS),
        guides=(_REQ, _STEPS),
    ),
    StageInfo(
        Stage.DECISION_ISSUED, 2, "Đã ra quyết định thi hành án",
        (_c("Cơ quan thi hành án đã ra quyết định thi hành án; quyết định sẽ được thông báo cho các bên", _STEPS),),
        "Quyết định thi hành án được thông báo cho các bên; sau đó người phải thi hành án có một khoảng thời gian để tự nguyện thi hành.",
        limits=(VOLUNTARY_10,),
        facts=(_c("Từ lần thông báo thứ hai trở đi, thông báo về thi hành án có thể gửi qua VNeID hoặc cổng thông tin điện tử THADS nếu "
                  "người nhận đồng ý", _STEPS, "Điều 12 Nghị định 62/2015/NĐ-CP, sửa đổi bởi Nghị định 152/2024/NĐ-CP"),),
        actions=(_c("Bạn nên cài VNeID và kiểm tra thường xuyên để không bỏ lỡ thông báo về thi hành án", _STEPS), COMPLAIN_PRE, VIA_ASSISTANT),
        guides=(_STEPS, _KN),
    ),
    StageInfo(
        Stage.NOTIFIED, 3, "Đã thông báo quyết định thi hành án",
        (_c("Quyết định thi hành án đã được thông báo cho các bên", _STEPS),),
        "Thời hạn tự nguyện thi hành án bắt đầu; hết thời hạn này, Chấp hành viên xác minh điều kiện thi hành án.",
        limits=(
            replace(VOLUNTARY_10, start=Stage.NOTIFIED),
            replace(VERIFY_10, start=Stage.NOTIFIED, after=((10, D),)),
        ),
        facts=(ASSET_HIDING, VOLUNTARY_OR_COERCION),
        actions=(AGREE_FEE, COMPLAIN_PRE, VIA_ASSISTANT),
        guides=(_VOL, _STEPS),
    ),
    StageInfo(
        Stage.VOLUNTARY_PERIOD, 4, "Đang trong thời hạn tự nguyện thi hành án",
        (_c("Người phải thi hành án đang trong thời hạn tự trả tiền, giao tài sản hoặc làm việc mà bản án buộc phải làm, "
            "không cần cơ quan thi hành án cưỡng chế", _VOL),),
        "Hết thời hạn tự nguyện, Chấp hành viên xác minh điều kiện thi hành án; nếu người phải thi hành án có điều kiện mà không tự "
        "nguyện thi hành thì có thể bị cưỡng chế.",
        limits=(
            replace(VOLUNTARY_10, start=Stage.VOLUNTARY_PERIOD),
            replace(VERIFY_10, start=Stage.VOLUNTARY_PERIOD, after=((10, D),)),
        ),
        facts=(ASSET_HIDING, VOLUNTARY_OR_COERCION),
        actions=(AGREE_FEE, COMPLAIN_PRE, VIA_ASSISTANT),
        guides=(_VOL,),
    ),
    StageInfo(
        Stage.VERIFICATION, 5, "Đang xác minh điều kiện thi hành án",
        (_c("Chấp hành viên đang tìm hiểu người phải thi hành án có tài sản, thu nhập để thi hành án hay không", _VER, f"Điều 44 {_L08}"),),
        "Sau khi xác minh, việc thi hành án được phân loại là \"có điều kiện\" hoặc \"chưa có điều kiện thi hành án\".",
        limits=(_c("Quyết định về việc chưa có điều kiện thi hành án được ra trong 5 ngày làm việc", _VER,
                   "Điều 9 khoản 4 Nghị định 62/2015/NĐ-CP", OLD_DECREE, amount=5, unit=WD),),
        facts=(_c("Ngân hàng và cơ quan đăng ký tài sản phải trả lời yêu cầu cung cấp thông tin của Chấp hành viên trong 3 ngày làm việc",
                  _VER, f"Điều 44 {_L08}", OLD_LAW, amount=3, unit=WD),),
        actions=(SELF_VERIFY, REVERIFY_5WD, REPORT_ASSETS, DECLARE, COMPLAIN_PRE, VIA_ASSISTANT),
        guides=(_VER,),
    ),
    StageInfo(
        Stage.CLASSIFIED, 6, "Đã phân loại điều kiện thi hành án",
        (_c("Chấp hành viên đã xác minh và phân loại việc thi hành án là \"có điều kiện\" hoặc \"chưa có điều kiện thi hành án\"", _STEPS),),
        "Tùy kết quả phân loại: tổ chức thi hành án, hoặc theo dõi và xác minh lại định kỳ.",
        actions=(ASK_BAILIFF, REPORT_ASSETS, COMPLAIN_PRE, VIA_ASSISTANT),
        guides=(_VER, _STEPS),
    ),
    StageInfo(
        Stage.SECURITY_MEASURE, 7, "Đang áp dụng biện pháp bảo đảm thi hành án",
        (_c("Cơ quan thi hành án đang áp dụng biện pháp bảo đảm thi hành án: phong tỏa tài khoản; tạm giữ tài sản, giấy tờ; tạm dừng "
            "việc đăng ký hoặc chuyển dịch tài sản", _VOL, f"Điều 66 {_L08}"),
         _c("Biện pháp bảo đảm được áp dụng mà không cần thông báo trước cho người phải thi hành án", _VOL, f"Điều 66 {_L08}")),
        "Nếu người phải thi hành án vẫn không tự nguyện thi hành, cơ quan thi hành án có thể cưỡng chế thi hành án.",
        facts=(_c("Khiếu nại về biện pháp bảo đảm được giải quyết trong 5 ngày làm việc", _KN, f"Điều 146 {_L08}", OLD_LAW, amount=5, unit=WD),
               VOLUNTARY_OR_COERCION),
        actions=(COMPLAIN_FREEZE, COMPLAIN_SECURITY, VIA_ASSISTANT),
        guides=(_VOL, _KN),
    ),
    StageInfo(
        Stage.COERCION, 7, "Đang cưỡng chế thi hành án",
        (_c("Cơ quan thi hành án đang áp dụng biện pháp cưỡng chế, ví dụ: khấu trừ tiền trong tài khoản; trừ vào thu nhập; kê biên, xử lý "
            "tài sản; khai thác tài sản; buộc chuyển giao vật, giấy tờ; buộc thực hiện hoặc không thực hiện một công việc", _VOL,
            f"Điều 71 {_L08}"),),
        "Tài sản có thể bị kê biên, định giá và bán đấu giá; tiền thu được chi trả cho người được thi hành án.",
        facts=(
            _c("Khi cưỡng chế cần huy động lực lượng, cơ quan thi hành án phải lập kế hoạch cưỡng chế", _VOL, f"Điều 72 {_L08}"),
            _c("Không được cưỡng chế thi hành án trong thời gian từ 22 giờ đến 6 giờ sáng hôm sau", _VOL, f"Điều 46 {_L08}", OLD_LAW),
            _c("Không được cưỡng chế thi hành án vào ngày nghỉ và ngày lễ theo quy định", _VOL, f"Điều 46 {_L08}", OLD_LAW),
            _c("Không tổ chức cưỡng chế có huy động lực lượng trong 15 ngày trước và 15 ngày sau Tết Nguyên đán", _VOL,
               "Điều 13 khoản 2 Nghị định 62/2015/NĐ-CP", OLD_DECREE, amount=15, unit=D),
            _c("Chấp hành viên phải báo dự toán chi phí cưỡng chế cho người phải thi hành án ít nhất 3 ngày làm việc trước khi cưỡng chế",
               _VOL, f"Điều 73 {_L08}", OLD_LAW, amount=3, unit=WD),
        ),
        actions=COERCION_COMPLAINTS,
        guides=(_VOL, _AUC, _KN),
    ),
    StageInfo(
        Stage.SEIZURE, 8, "Đã kê biên tài sản",
        (_c("Tài sản của người phải thi hành án đã bị kê biên (một biện pháp cưỡng chế) để xử lý thi hành án", _AUC, f"Điều 71 {_L08}"),),
        "Tài sản kê biên được định giá, rồi bán đấu giá.",
        limits=(_c("Nếu các bên không thỏa thuận được giá, Chấp hành viên ký hợp đồng với tổ chức thẩm định giá trong 5 ngày làm việc kể từ "
                   "ngày kê biên", _AUC, f"Điều 98 {_L08}", OLD_LAW, amount=5, unit=WD, start=Stage.SEIZURE),),
        actions=(_c("Các bên có thể thỏa thuận giá tài sản, hoặc thỏa thuận tổ chức thẩm định giá", _AUC, f"Điều 98 {_L08}",
                    roles=frozenset({PartyRole.CREDITOR, PartyRole.DEBTOR})), *COERCION_COMPLAINTS),
        guides=(_AUC,),
    ),
    StageInfo(
        Stage.VALUATION, 8, "Đã định giá tài sản kê biên",
        (_c("Tài sản kê biên đã được định giá", _AUC),),
        "Cơ quan thi hành án ký hợp đồng bán đấu giá tài sản.",
        limits=(_c("Hợp đồng bán đấu giá được ký trong 10 ngày kể từ ngày định giá", _AUC, f"Điều 101 {_L08}", OLD_LAW, amount=10, unit=D,
                   start=Stage.VALUATION),),
        actions=(
            _c("Nếu không đồng ý với giá, bạn có thể yêu cầu định giá lại một lần, trong 5 ngày làm việc kể từ ngày nhận được kết quả định giá, "
               "và phải nộp tạm ứng chi phí định giá lại", _AUC, f"Điều 99 {_L08}", OLD_LAW, amount=5, unit=WD,
               roles=frozenset({PartyRole.CREDITOR, PartyRole.DEBTOR})),
            *COERCION_COMPLAINTS,
        ),
        guides=(_AUC,),
    ),
    StageInfo(
        Stage.AUCTION, 8, "Đang bán đấu giá tài sản",
        (_c("Tài sản kê biên đang được đưa ra bán đấu giá", _AUC),),
        "Sau khi bán được tài sản, người mua trả tiền, nhận tài sản, và tiền được chi trả cho người được thi hành án.",
        limits=(
            _c("Cuộc bán đấu giá động sản được tổ chức trong 30 ngày kể từ ngày ký hợp đồng", _AUC, f"Điều 101 {_L08}", OLD_LAW, amount=30, unit=D),
            _c("Cuộc bán đấu giá bất động sản được tổ chức trong 45 ngày kể từ ngày ký hợp đồng", _AUC, f"Điều 101 {_L08}", OLD_LAW,
               amount=45, unit=D),
        ),
        facts=(
            _c("Người mua trúng đấu giá phải trả tiền trong 30 ngày và không được gia hạn", _AUC, "Điều 27 Nghị định 62/2015/NĐ-CP",
               OLD_DECREE, amount=30, unit=D),
            _c("Tài sản bán đấu giá được giao cho người mua trong 60 ngày", _AUC, "Điều 27 Nghị định 62/2015/NĐ-CP", OLD_DECREE,
               amount=60, unit=D),
            _c("Khi đấu giá không thành, giá khởi điểm được giảm, mỗi lần giảm không quá 10%", _AUC, f"Điều 104 {_L08}", OLD_LAW),
        ),
        actions=(
            _c("Bạn có thể nhận lại tài sản nếu nộp đủ tiền thi hành án và chi phí, chậm nhất 1 ngày làm việc trước ngày bán đấu giá", _AUC,
               f"Điều 101 {_L08}", OLD_LAW, amount=1, unit=WD, roles=DB),
            _c("Sau lần giảm giá thứ hai mà vẫn chưa bán được, bạn có thể nhận tài sản thay cho tiền", _AUC, f"Điều 104 {_L08}", roles=CR),
            *COERCION_COMPLAINTS,
        ),
        guides=(_AUC,),
    ),
    StageInfo(
        Stage.PAYMENT, 9, "Đang chi trả tiền cho người được thi hành án",
        (_c("Cơ quan thi hành án đã thu được tiền và đang chi trả cho người được thi hành án; trước hết trả tiền cấp dưỡng, tiền lương, "
            "tiền bồi thường thiệt hại về tính mạng, sức khỏe, tiếp theo là án phí, sau đó đến các khoản nợ khác", _AUC, f"Điều 47 {_L08}"),),
        "Sau khi chi trả xong, việc thi hành án kết thúc khi có xác nhận đã thi hành xong.",
        limits=(_c("Tiền thu được phải chi trả cho người được thi hành án trong 10 ngày kể từ ngày thu được tiền", _STEPS, f"Điều 47 {_L08}",
                   OLD_LAW, amount=10, unit=D, start=Stage.PAYMENT),),
        facts=(_c("Khi tài sản được bán đấu giá, tiền được chi trả trong 10 ngày sau khi giao tài sản cho người mua", _STEPS,
                  "Điều 27 Nghị định 62/2015/NĐ-CP", OLD_DECREE, amount=10, unit=D),),
        actions=(CONFIRM, COMPLAIN_POST, VIA_ASSISTANT),
        guides=(_STEPS, _CONF),
    ),
    StageInfo(
        Stage.CLOSED_COMPLETED, 10, "Đã thi hành xong",
        (_c("Việc thi hành án kết thúc khi có xác nhận đã thi hành xong hoặc có quyết định đình chỉ thi hành án", _STEPS, f"Điều 52 {_L08}"),),
        "Việc thi hành án đã kết thúc.",
        actions=(CONFIRM,),
        notes=("Trong thống kê của ngành, việc \"thi hành xong\" còn gồm việc đã đình chỉ và việc đã thu được tiền và gửi giữ vì người được "
               "nhận không đến nhận (theo Tổng cục Thống kê).",),
        guides=(_CONF, _STEPS),
    ),
    StageInfo(
        Stage.CLOSED_TERMINATED, 10, "Đã đình chỉ thi hành án",
        (_c("Đình chỉ thi hành án là chấm dứt hẳn việc thi hành án, ví dụ khi các bên thỏa thuận chấm dứt, người được thi hành án từ bỏ "
            "quyền được thi hành án, hoặc bản án, quyết định bị hủy", _HOAN, f"Điều 50 {_L08}"),),
        "Việc thi hành án đã kết thúc.",
        facts=(_c("Quyết định đình chỉ thi hành án được ra trong 5 ngày làm việc", _HOAN, f"Điều 50 {_L08}", OLD_LAW, amount=5, unit=WD),),
        actions=(COMPLAIN_HOAN, VIA_ASSISTANT, CONFIRM),
        guides=(_HOAN, _KN),
    ),
    StageInfo(
        Stage.POSTPONED, None, "Đang hoãn thi hành án",
        (_c("Hoãn thi hành án là tạm lùi việc thi hành án vì một lý do được pháp luật cho phép, ví dụ người phải thi hành án ốm nặng, "
            "các bên đồng ý hoãn bằng văn bản, hoặc tài sản đang có tranh chấp được tòa án thụ lý", _HOAN, f"Điều 48 {_L08}"),),
        CAN_RESUME,
        facts=(
            _c("Quyết định hoãn thi hành án được ra trong 5 ngày làm việc", _HOAN, f"Điều 48 {_L08}", OLD_LAW, amount=5, unit=WD),
            _c("Việc hoãn theo yêu cầu của người có thẩm quyền kháng nghị chỉ được 1 lần và không quá 3 tháng", _HOAN, f"Điều 48 {_L08}",
               OLD_LAW, amount=3, unit=M),
            NOT_COUNTED,
        ),
        actions=(COMPLAIN_HOAN, VIA_ASSISTANT),
        guides=(_HOAN,),
    ),
    StageInfo(
        Stage.SUSPENDED, None, "Đang tạm đình chỉ thi hành án",
        (_c("Tạm đình chỉ thi hành án là tạm dừng việc thi hành án khi bản án đang bị kháng nghị hoặc khi tòa án thụ lý việc phá sản",
            _HOAN, f"Điều 49 {_L08}"),),
        CAN_RESUME,
        facts=(_c("Quyết định tạm đình chỉ thi hành án do thụ lý phá sản được ra trong 5 ngày làm việc", _HOAN, f"Điều 49 {_L08}", OLD_LAW,
                  amount=5, unit=WD), NOT_COUNTED),
        actions=(COMPLAIN_HOAN, VIA_ASSISTANT),
        guides=(_HOAN,),
    ),
    StageInfo(
        Stage.RESUMED, None, "Được tiếp tục thi hành án",
        (_c("Căn cứ hoãn hoặc tạm đình chỉ không còn, nên việc thi hành án được tiếp tục (tiếp tục thi hành án)", _HOAN),),
        "Việc thi hành án tiếp tục từ bước đang làm dở trước khi hoãn hoặc tạm đình chỉ.",
        actions=(ASK_BAILIFF, VIA_ASSISTANT),
        guides=(_HOAN, _STEPS),
    ),
)

_BY_STAGE = {info.stage: info for info in _CATALOGUE}

# Step 6 depends on the classification (Điều 44a): "có điều kiện" moves on to measures,
# "chưa có điều kiện" means publication and periodic re-verification.
_CLASSIFIED_CO = StageInfo(
    Stage.CLASSIFIED, 6, "Có điều kiện thi hành án",
    (_c("Chấp hành viên đã xác minh và xác định người phải thi hành án có điều kiện thi hành án", _STEPS),),
    "Nếu người phải thi hành án không tự nguyện thi hành, cơ quan thi hành án có thể áp dụng biện pháp bảo đảm hoặc cưỡng chế.",
    facts=(VOLUNTARY_OR_COERCION,),
    actions=(ASK_BAILIFF, COMPLAIN_PRE, VIA_ASSISTANT),
    guides=(_VOL, _STEPS),
)
_CLASSIFIED_CHUA = StageInfo(
    Stage.CLASSIFIED, 6, "Chưa có điều kiện thi hành án",
    (_c("Người phải thi hành án được xác định chưa có điều kiện thi hành án: không có thu nhập hoặc chỉ có thu nhập đủ sống tối thiểu và "
        "không có tài sản để kê biên, hoặc phải trả lại một vật cụ thể nhưng vật đó không còn, hoặc không tìm được người phải thi hành án",
        _VER, f"Điều 44a {_L08}"),
     _c("Hồ sơ chuyển sang sổ theo dõi riêng không có nghĩa là khoản nợ được xóa; khi có thông tin mới về tài sản, Chấp hành viên vẫn "
        "xác minh lại", _VER, f"Điều 44a {_L08}")),
    "Chấp hành viên xác minh lại định kỳ; khi người phải thi hành án có điều kiện, việc thi hành án được tiếp tục.",
    limits=(
        _c("Khi người phải thi hành án chưa có điều kiện thi hành án, Chấp hành viên xác minh lại ít nhất 6 tháng một lần", _VER,
           f"Điều 44 {_L08}", OLD_LAW, amount=6, unit=M),
        _c("Nếu người phải thi hành án đang chấp hành án phạt tù từ 2 năm trở lên hoặc không xác định được nơi ở, Chấp hành viên xác minh lại "
           "1 năm một lần", _VER, f"Điều 44 {_L08}", OLD_LAW, amount=1, unit=Y),
        NEW_INFO_10,
    ),
    facts=(
        _c("Họ tên, địa chỉ và nghĩa vụ của người chưa có điều kiện thi hành án được đăng trên cổng thông tin điện tử THADS", _VER,
           "Điều 11 Nghị định 62/2015/NĐ-CP; Thông tư 04/2023/TT-BTP"),
        _c("Thông tin người chưa có điều kiện thi hành án cũng được niêm yết tại Ủy ban nhân dân cấp xã trong 3 tháng", _VER,
           "Điều 11 Nghị định 62/2015/NĐ-CP", OLD_DECREE, amount=3, unit=M),
        _c("Sau 2 lần xác minh mà người phải thi hành án vẫn chưa có điều kiện thi hành án, cơ quan thi hành án thông báo bằng văn bản cho "
           "người được thi hành án", _VER, f"Điều 44 {_L08}", OLD_LAW),
        _c("Sau một thời gian từ 1 đến 2 năm, nếu đã xác minh 2 lần mà không có thông tin mới, hồ sơ được chuyển sang sổ theo dõi riêng",
           _VER, "Điều 9 khoản 5 Nghị định 62/2015/NĐ-CP", OLD_DECREE, amount=2, unit=Y),
    ),
    actions=(
        REPORT_ASSETS, SELF_VERIFY,
        _c("Nếu bạn tự xác minh được tài sản sau khi có quyết định chưa có điều kiện thi hành án, bạn được miễn phí thi hành án", _VER,
           "Điều 7 Thông tư 216/2016/TT-BTC", roles=CR),
        COMPLAIN_PRE, VIA_ASSISTANT,
    ),
    notes=("Theo Báo Xây dựng, Luật THADS 2025 có cách rõ ràng để yêu cầu thi hành án lại đối với việc trước đây bị xác định chưa có điều "
           "kiện thi hành án, và thời gian đó không tính vào thời hiệu; chi tiết thủ tục chưa được xác nhận.",),
    guides=(_VER,),
)


def stage_info(stage: Stage | str, classification: Classification | str | None = None) -> StageInfo:
    """The explanation data for a stage (step 6 varies with the classification)."""
    stage = Stage(stage)
    if stage is Stage.CLASSIFIED and classification:
        return _CLASSIFIED_CO if Classification(classification) is Classification.CO_DIEU_KIEN else _CLASSIFIED_CHUA
    return _BY_STAGE[stage]


def all_stage_infos() -> tuple[StageInfo, ...]:
    """Every variant, for documentation and tests."""
    return (*_CATALOGUE, _CLASSIFIED_CO, _CLASSIFIED_CHUA)


STAGE_LABELS = {info.stage: info.label for info in _CATALOGUE}

# Accepted spellings in import files: the code, or the Vietnamese label (case-insensitive).
STAGE_ALIASES: dict[str, Stage] = {
    **{s.value: s for s in Stage},
    **{info.label.lower(): info.stage for info in _CATALOGUE},
    "nhận đơn": Stage.RECEIVED, "ra quyết định thi hành án": Stage.DECISION_ISSUED, "thông báo": Stage.NOTIFIED,
    "tự nguyện": Stage.VOLUNTARY_PERIOD, "xác minh": Stage.VERIFICATION, "phân loại": Stage.CLASSIFIED,
    "biện pháp bảo đảm": Stage.SECURITY_MEASURE, "cưỡng chế": Stage.COERCION, "kê biên": Stage.SEIZURE,
    "định giá": Stage.VALUATION, "bán đấu giá": Stage.AUCTION, "chi trả": Stage.PAYMENT, "thi hành xong": Stage.CLOSED_COMPLETED,
    "đình chỉ": Stage.CLOSED_TERMINATED, "hoãn": Stage.POSTPONED, "tạm đình chỉ": Stage.SUSPENDED, "tiếp tục thi hành án": Stage.RESUMED,
}
CLASSIFICATION_ALIASES: dict[str, Classification] = {
    **{c.value: c for c in Classification},
    "có điều kiện": Classification.CO_DIEU_KIEN, "có điều kiện thi hành án": Classification.CO_DIEU_KIEN,
    "chưa có điều kiện": Classification.CHUA_CO_DIEU_KIEN, "chưa có điều kiện thi hành án": Classification.CHUA_CO_DIEU_KIEN,
}
ROLE_ALIASES: dict[str, PartyRole] = {
    **{r.value: r for r in PartyRole},
    **{label.lower(): role for role, label in ROLE_LABELS.items()},
}
