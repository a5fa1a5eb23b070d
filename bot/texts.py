"""Every Vietnamese text the bot shows (menus, prompts, errors), kept in one place."""

from __future__ import annotations

from casework.states import KIND_LABELS, Kind

MENU_ASK = "Hỏi đáp thủ tục"
MENU_CASES = "Hồ sơ thi hành án của tôi"
MENU_FILE = "Gửi khiếu nại / tố cáo / phản ánh"
MENU_FOLLOW = "Theo dõi đơn đã gửi"
MENU_LABELS = (MENU_ASK, MENU_CASES, MENU_FILE, MENU_FOLLOW)

WELCOME = (
    "Xin chào! Tôi là Trợ lý THADS — trợ lý về thi hành án dân sự.\n\n"
    "Bạn có thể:\n"
    f"• <b>{MENU_ASK}</b>: gõ câu hỏi, tôi trả lời kèm nguồn văn bản;\n"
    f"• <b>{MENU_CASES}</b>: xem tình trạng hồ sơ thi hành án của bạn;\n"
    f"• <b>{MENU_FILE}</b>: gửi đơn và nhận mã theo dõi;\n"
    f"• <b>{MENU_FOLLOW}</b>: xem tình trạng, thời hạn giải quyết, rút đơn.\n\n"
    "Thông tin trả lời chỉ mang tính tham khảo, không thay thế văn bản của cơ quan có thẩm quyền."
)
HELP = (
    "<b>Hướng dẫn sử dụng</b>\n"
    "• Gõ câu hỏi bất kỳ về thủ tục thi hành án dân sự để được trả lời kèm nguồn.\n"
    "• /gui_don — gửi khiếu nại, tố cáo, phản ánh, kiến nghị.\n"
    "• /theo_doi — xem các đơn đã gửi, thời hạn và rút đơn.\n"
    "• /ho_so — hồ sơ thi hành án của tôi.\n"
    "• /cancel — hủy thao tác đang làm.\n"
    "• /start — về menu chính."
)
STAFF_HELP = (
    "\n\n<b>Dành cho cán bộ</b>\n"
    "• Gõ câu hỏi về quy định, báo cáo: câu trả lời dẫn đúng văn bản và điều khoản.\n"
    "• /loc — lọc nguồn trả lời, ví dụ: <code>/loc loai=thông tư hieuluc=nay</code>; <code>/loc xoa</code> để bỏ lọc.\n"
    "• /hangdoi — tóm tắt hàng đợi đơn: mới, sắp đến hạn, quá hạn."
)
ASK_PROMPT = "Bạn hãy gõ câu hỏi về thủ tục thi hành án dân sự (ví dụ: “Thời hiệu yêu cầu thi hành án là bao lâu?”)."
QUESTION_TOO_SHORT = "Câu hỏi quá ngắn. Bạn hãy mô tả rõ hơn thủ tục hoặc vấn đề cần hỏi."
QUESTION_TOO_LONG = "Câu hỏi quá dài (tối đa {limit} ký tự). Bạn hãy rút gọn câu hỏi."
NO_INDEX = "Xin lỗi, kho tài liệu hỏi đáp đang được chuẩn bị. Bạn vui lòng thử lại sau."
CANCELLED = "Đã hủy. Nội dung đang soạn chưa được gửi và đã được xóa."
NOTHING_TO_CANCEL = "Không có thao tác nào đang thực hiện."
ERROR = "Xin lỗi, đã có lỗi xảy ra. Bạn vui lòng thử lại sau ít phút."
STAFF_ONLY = "Lệnh này chỉ dành cho cán bộ được cấp quyền."
UNKNOWN_INPUT = "Tôi chưa hiểu yêu cầu. Bạn hãy dùng các nút trong menu hoặc gõ câu hỏi."

RATE_MESSAGES = "Bạn đang gửi quá nhiều tin nhắn. Vui lòng đợi khoảng {wait} giây rồi thử lại."
RATE_QUESTIONS = "Bạn đã hỏi nhiều câu trong thời gian ngắn. Vui lòng đợi khoảng {wait} giây rồi hỏi tiếp nhé."
RATE_SUBMISSIONS = (
    "Bạn đã gửi nhiều đơn trong thời gian ngắn. Vui lòng đợi khoảng {minutes} phút rồi gửi tiếp. "
    "Nội dung đang soạn vẫn được giữ lại."
)

# --- answers -------------------------------------------------------------------------------------
BTN_SOURCES = "📄 Xem nguồn"
BTN_UP = "👍"
BTN_DOWN = "👎"
BTN_ESCALATE = "📨 Gửi câu hỏi cho cán bộ"
SOURCES_TITLE = "<b>Đoạn trích từ các nguồn</b>"
NO_SOURCES = "Câu trả lời này không có nguồn trích dẫn."
ANSWER_GONE = "Không tìm thấy câu trả lời này nữa. Bạn hãy hỏi lại."
THANKS_UP = "Cảm ơn bạn đã đánh giá!"
THANKS_DOWN = "Cảm ơn bạn! Góp ý sẽ được cán bộ xem để cải thiện câu trả lời."
ESCALATE_CONSENT = (
    "Câu hỏi sẽ được gửi tới cán bộ cơ quan thi hành án dân sự; câu trả lời sẽ được gửi lại cho bạn trong cuộc trò chuyện này.\n\n"
    "<b>Thông báo xử lý dữ liệu cá nhân (phiên bản {version})</b>\n{notice}\n\n"
    "Bạn có đồng ý gửi câu hỏi không?"
)
BTN_ESCALATE_YES = "✅ Tôi đồng ý, gửi câu hỏi"
BTN_ESCALATE_NO = "Không gửi"
ESCALATE_DECLINED = "Câu hỏi chưa được gửi. Bạn có thể hỏi lại bằng cách diễn đạt khác."
ESCALATED = "Đã gửi câu hỏi cho cán bộ. Mã câu hỏi: <b>{code}</b>. Câu trả lời sẽ được gửi tới bạn tại đây."
ALREADY_ESCALATED = "Câu hỏi này đã được gửi cho cán bộ (mã {code})."

# --- filing ----------------------------------------------------------------------------------------
# What a citizen may file from the menu (questions reach staff through the ask flow instead).
KIND_BUTTONS: dict[Kind, str] = {
    k: KIND_LABELS[k] for k in (Kind.COMPLAINT, Kind.DENUNCIATION, Kind.FEEDBACK, Kind.RECOMMENDATION)
}
CHOOSE_KIND = (
    "<b>Bạn muốn gửi loại đơn nào?</b>\n"
    "• <b>Khiếu nại</b>: đề nghị xem xét lại quyết định, hành vi của cơ quan, chấp hành viên mà bạn cho là trái pháp luật, "
    "xâm phạm quyền lợi của bạn.\n"
    "• <b>Tố cáo</b>: báo cho cơ quan biết hành vi vi phạm pháp luật của cán bộ, chấp hành viên.\n"
    "• <b>Phản ánh</b>: thông tin về thái độ phục vụ, thủ tục, cơ sở vật chất…\n"
    "• <b>Kiến nghị</b>: đề xuất cải tiến.\n\n"
    "Bạn có thể gõ /cancel bất cứ lúc nào để hủy."
)
DENUNCIATION_IDENTITY = (
    "<b>Bảo vệ người tố cáo</b>\n"
    "Người tố cáo có quyền đề nghị giữ bí mật họ tên, địa chỉ, bút tích (Luật Thi hành án dân sự, Điều 155; "
    "Luật Tố cáo 2018, Điều 47). Thông tin nhận diện người tố cáo được bảo vệ theo chế độ mật (QĐ 774/QĐ-TTg) và "
    "trong hệ thống chỉ lãnh đạo trực tiếp giải quyết mới được xem.\n\n"
    "Bạn chọn:\n"
    "• <b>Tố cáo có bảo mật danh tính</b> (khuyến nghị): đơn được xử lý theo Luật Tố cáo, bạn nhận mã theo dõi và thông báo.\n"
    "• <b>Tin báo không ghi danh</b>: không thu thập thông tin của bạn, không gửi thông báo, chỉ có mã tiếp nhận. "
    "Theo Luật Tố cáo 2018 (Điều 25), tin báo nặc danh không được xử lý như tố cáo; cơ quan có thể tự kiểm tra nếu nội "
    "dung nêu rõ người vi phạm và có chứng cứ cụ thể."
)
BTN_CONFIDENTIAL = "🔒 Tố cáo có bảo mật danh tính"
BTN_ANONYMOUS = "🕶 Tin báo không ghi danh"
CHOOSE_CONCERNS = (
    "<b>Đơn liên quan đến việc thi hành án nào?</b>\n"
    "Bạn có thể chọn hồ sơ của mình, nhập số hồ sơ / số bản án, quyết định, hoặc bỏ qua."
)
BTN_TYPE_CASE = "✏️ Nhập số hồ sơ / bản án"
BTN_SKIP = "Bỏ qua"
BTN_CANCEL = "✖️ Hủy"
TYPE_CASE = "Bạn hãy nhập số hồ sơ thi hành án hoặc số bản án, quyết định (ví dụ: 123/2025/QĐ-CCTHADS)."
CASE_TOO_LONG = "Số hồ sơ quá dài (tối đa 100 ký tự). Bạn hãy nhập lại."
CHOOSE_TARGET = "<b>Bạn khiếu nại về việc gì?</b> (giúp xác định đúng thời hạn giải quyết theo luật)"
BTN_TARGET_UNKNOWN = "Không rõ / khác"
CHOOSE_LEVEL = "<b>Đây là lần khiếu nại thứ mấy về việc này?</b>"
BTN_LEVEL_1 = "Lần đầu"
BTN_LEVEL_2 = "Lần hai (đã có quyết định giải quyết lần đầu)"
ASK_CONTENT = (
    "<b>Nội dung đơn</b>\n"
    "Bạn hãy trình bày sự việc, người/quyết định liên quan, thời gian và yêu cầu của bạn. Có thể gửi nhiều tin nhắn, "
    "kèm ảnh hoặc tệp PDF (tối đa {count} tệp, mỗi tệp không quá {mb} MB).\n"
    "Khi xong, bấm <b>Xong</b>."
)
BTN_DONE = "✅ Xong"
CONTENT_NOTED = "Đã ghi nhận nội dung ({chars} ký tự, {files} tệp). Bạn có thể gửi tiếp hoặc bấm Xong."
CONTENT_EMPTY = "Bạn chưa nhập nội dung đơn. Hãy gõ nội dung rồi bấm Xong."
CONTENT_TOO_LONG = "Nội dung đã quá dài (tối đa {limit} ký tự). Phần vừa gửi chưa được ghi nhận."
FILE_NOTED = "Đã nhận tệp “{name}” ({n}/{count})."
FILE_TOO_MANY = "Bạn đã gửi đủ {count} tệp, không thể đính kèm thêm."
FILE_TOO_BIG = "Tệp vượt quá dung lượng cho phép ({mb} MB)."
FILE_FAILED = "Không tải được tệp từ Telegram. Bạn vui lòng gửi lại."
ASK_CONTACT = (
    "<b>Thông tin liên hệ (không bắt buộc)</b>\n"
    "Bạn có thể chia sẻ số điện thoại để cán bộ liên hệ khi cần làm rõ nội dung. Thông báo về đơn sẽ được gửi tại đây."
)
BTN_SHARE_CONTACT = "📱 Chia sẻ số điện thoại của tôi"
CONTACT_NOT_OWN = "Vui lòng chia sẻ số điện thoại của chính bạn (bấm nút bên dưới), hoặc chọn Bỏ qua."
CONTACT_NOTED = "Đã ghi nhận thông tin liên hệ."
CONTACT_SKIPPED = "Bạn đã bỏ qua thông tin liên hệ."
ASK_CONSENT = (
    "<b>Đồng ý xử lý dữ liệu cá nhân (phiên bản {version})</b>\n{notice}\n\n"
    "Mục đích: chỉ để tiếp nhận, giải quyết đơn của bạn và thông báo kết quả. "
    "Hãy chọn một trong hai nút bên dưới."
)
BTN_CONSENT_YES = "✅ Tôi đồng ý"
BTN_CONSENT_NO = "Tôi không đồng ý"
CONSENT_DECLINED = (
    "Đơn chưa được gửi vì chưa có sự đồng ý xử lý dữ liệu cá nhân. Bạn vẫn có thể nộp đơn trực tiếp hoặc qua "
    "đường bưu điện tại cơ quan thi hành án dân sự. Nội dung đang soạn đã được xóa."
)
REVIEW = "<b>Kiểm tra lại đơn trước khi gửi</b>\n{summary}\n\nBấm <b>Gửi đơn</b> để gửi chính thức."
BTN_SEND = "📨 Gửi đơn"
BTN_EDIT = "✏️ Viết lại nội dung"
EDIT_CONTENT = "Nội dung cũ đã được xóa (tệp đính kèm vẫn giữ). Bạn hãy gõ lại nội dung rồi bấm Xong."
SUBMITTED = (
    "✅ <b>Đơn đã được gửi.</b>\n{receipt}\n\n"
    "Mã hồ sơ: <code>{code}</code>\n{secret_line}"
    "<b>Tiếp theo:</b> cơ quan thi hành án dân sự xem xét thụ lý đơn trong thời hạn nêu trên. Mỗi khi trạng thái đơn "
    "thay đổi, bạn sẽ nhận thông báo tại đây. Bấm “{follow}” để xem tình trạng hoặc rút đơn."
)
SUBMITTED_ANONYMOUS = (
    "✅ <b>Đã nhận tin báo.</b>\n{receipt}\n\nMã tiếp nhận: <code>{code}</code>"
)
SECRET_LINE = "Mã bí mật để tra cứu trên web: <code>{secret}</code> (giữ kín, không chia sẻ)\n\n"
SUBMIT_FAILED = "Chưa gửi được đơn: {reason}"
MID_FLOW = "Bạn đang soạn đơn dở dang. Hãy tiếp tục theo hướng dẫn, hoặc gõ /cancel để hủy."
USE_BUTTONS = "Vui lòng trả lời bằng các nút ở tin nhắn trên, hoặc gõ /cancel để hủy."
TIMED_OUT = (
    "Phiên soạn đơn đã hết thời gian chờ nên đã kết thúc. Nội dung chưa được gửi và đã được xóa. "
    "Bạn có thể bắt đầu lại bất cứ lúc nào."
)

# --- follow ------------------------------------------------------------------------------------------
NO_SUBMISSIONS = "Bạn chưa gửi đơn nào qua Telegram."
FOLLOW_TITLE = "<b>Các đơn bạn đã gửi</b>"
BTN_WITHDRAW = "Rút đơn {code}"
CONFIRM_WITHDRAW = (
    "Bạn có chắc muốn rút đơn <b>{code}</b>? Sau khi rút, cơ quan sẽ dừng giải quyết đơn này."
)
BTN_WITHDRAW_YES = "Xác nhận rút đơn"
BTN_WITHDRAW_NO = "Không"
WITHDRAW_KEPT = "Đơn vẫn được giữ nguyên."


# --- staff -------------------------------------------------------------------------------------------
FILTERS_NOW = "Bộ lọc nguồn hiện tại: {filters}"
FILTERS_NONE = "không lọc"
FILTERS_BAD = "Không hiểu bộ lọc “{part}”. Dùng: loai=…, coquan=…, hieuluc=YYYY-MM-DD|nay, vanban=…; hoặc /loc xoa."
QUEUE_DIGEST = (
    "<b>Hàng đợi đơn</b>\n"
    "• Mới tiếp nhận: <b>{new}</b>\n• Sắp đến hạn ({days} ngày): <b>{soon}</b>\n• Quá hạn: <b>{overdue}</b>\n"
)
DASHBOARD_LINK = "\nMở bảng điều khiển: {url}"
