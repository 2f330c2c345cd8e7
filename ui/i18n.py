"""UI strings in Vietnamese (default) and English."""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "title": {"vi": "Hỏi đáp tin tức", "en": "News Q&A"},
    "subtitle": {
        "vi": "Đặt câu hỏi về các bài báo; mỗi câu trả lời kèm trích dẫn [n] có thể kiểm chứng.",
        "en": "Ask about the articles; every answer comes with [n] citations you can check.",
    },
    "question": {"vi": "Câu hỏi", "en": "Question"},
    "placeholder": {
        "vi": "Ví dụ: Hải Phòng kiến nghị gì với Trung ương?",
        "en": "e.g. What did Hai Phong propose to the Central Committee?",
    },
    "send": {"vi": "Gửi", "en": "Send"},
    "new_chat": {"vi": "Cuộc trò chuyện mới", "en": "New conversation"},
    "examples": {"vi": "Câu hỏi mẫu", "en": "Example questions"},
    "settings": {"vi": "Cài đặt", "en": "Settings"},
    "k": {"vi": "Số đoạn trích", "en": "Number of passages"},
    "retriever": {"vi": "Phương pháp tìm kiếm", "en": "Retriever"},
    "articles_filter": {"vi": "Chỉ tìm trong các bài", "en": "Only these articles"},
    "date_from": {"vi": "Từ ngày (YYYY-MM-DD)", "en": "From date (YYYY-MM-DD)"},
    "date_to": {"vi": "Đến ngày (YYYY-MM-DD)", "en": "To date (YYYY-MM-DD)"},
    "llm_status": {"vi": "Mô hình ngôn ngữ", "en": "Language model"},
    "llm_off": {"vi": "chưa cấu hình (trả lời trích xuất, không cần mạng)", "en": "not configured (extractive answers, offline)"},
    "llm_on": {"vi": "đang dùng {model} tại {url}", "en": "using {model} at {url}"},
    "index": {"vi": "Chỉ mục", "en": "Index"},
    "rebuild": {"vi": "Cập nhật chỉ mục", "en": "Update index"},
    "rebuilt": {"vi": "Đã cập nhật chỉ mục", "en": "Index updated"},
    "sources": {"vi": "Nguồn trích dẫn", "en": "Sources"},
    "sources_empty": {"vi": "Nguồn trích dẫn sẽ hiện ở đây.", "en": "Sources will appear here."},
    "maybe_related": {"vi": "Có thể liên quan", "en": "May be related"},
    "related_hint": {
        "vi": "Các đoạn gần nhất được liệt kê ở khung nguồn là “có thể liên quan”.",
        "en": "The closest passages are listed in the sources panel as “may be related”.",
    },
    "searched_for": {"vi": "Đã tìm", "en": "Searched for"},
    "searching": {"vi": "Đang tìm trong các bài báo…", "en": "Searching the articles…"},
    "unknown_source": {"vi": "không rõ nguồn", "en": "unknown outlet"},
    "no_date": {"vi": "không rõ ngày", "en": "no date"},
    "date_year_unknown": {"vi": "{day}/{month} (không rõ năm)", "en": "{day}/{month} (year unknown)"},
    "date_month": {"vi": "tháng {month}/{year}", "en": "{month}/{year}"},
    "no_index": {"vi": "Chưa có chỉ mục: bấm “Cập nhật chỉ mục”.", "en": "No index yet: press “Update index”."},
    "articles": {"vi": "Bài báo", "en": "Articles"},
    "passages": {"vi": "Đoạn", "en": "Passages"},
    "articles_upload": {
        "vi": "Thêm tệp bài báo (.txt .md .html .pdf .docx)",
        "en": "Add article files (.txt .md .html .pdf .docx)",
    },
    "articles_url": {"vi": "Địa chỉ trang báo (URL)", "en": "Page address (URL)"},
    "articles_add_url": {"vi": "Thêm từ URL", "en": "Add from URL"},
    "articles_remove_choice": {"vi": "Bài cần xoá", "en": "Article to remove"},
    "articles_remove": {"vi": "Xoá bài", "en": "Remove article"},
    "model": {"vi": "Mô hình", "en": "Model"},
    "built": {"vi": "Tạo lúc", "en": "Built"},
    "version": {"vi": "Phiên bản", "en": "Version"},
    "feedback_comment": {
        "vi": "Góp ý (không bắt buộc), rồi bấm một nút đánh giá dưới câu trả lời",
        "en": "Comment (optional), then press a feedback button under the answer",
    },
    "feedback_saved": {"vi": "Cảm ơn! Đã lưu đánh giá.", "en": "Thanks! Feedback saved."},
    "helpful": {"vi": "Hữu ích", "en": "Helpful"},
    "not_helpful": {"vi": "Không hữu ích", "en": "Not helpful"},
    "wrong_citation": {"vi": "Sai trích dẫn", "en": "Wrong citation"},
    "language": {"vi": "Ngôn ngữ / Language", "en": "Ngôn ngữ / Language"},
    "bad_date": {"vi": "Ngày “{value}” không hợp lệ: dùng dạng YYYY-MM-DD.", "en": "Date “{value}” is invalid: use YYYY-MM-DD."},
}

VERDICTS = ("helpful", "not_helpful", "wrong_citation")


def t(key: str, lang: str = "vi", **values) -> str:
    text = STRINGS[key].get(lang) or STRINGS[key]["vi"]
    return text.format(**values) if values else text
