"""Every user-facing message in Vietnamese (default) and English: answers, CLI, LLM prompts and the UI.

One table, so a new language is one more key per entry. `t(key, lang, **values)` formats a message."""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    # answers (qa.answering.answer)
    "abstain": {
        "vi": "Các bài báo hiện có không chứa thông tin để trả lời câu hỏi này.",
        "en": "The articles do not contain the answer to this question.",
    },
    "not_about": {
        "vi": "Các bài báo không nêu thông tin này cho {entities}.",
        "en": "The articles do not give this for {entities}.",
    },
    "related": {"vi": "Những đoạn sau có thể liên quan:", "en": "These passages may be related:"},
    "unsure": {
        "vi": "Chưa chắc chắn (độ tin cậy {confidence}): đây là đoạn gần nhất, hãy đối chiếu với bài báo.",
        "en": "Not sure (confidence {confidence}): this is the closest passage; check it against the article.",
    },
    "quote_lacks": {
        "vi": "Đoạn trích không nêu tên {entities} (bài của {outlet})",
        "en": "The quote does not name {entities} (an article of {outlet})",
    },
    "unsure_label": {"vi": "Chưa chắc chắn", "en": "Not sure"},
    "whole_sentence": {"vi": "Cả câu", "en": "Whole sentence"},
    "quote_lacks_plain": {"vi": "Đoạn trích không nêu tên {entities}", "en": "The quote does not name {entities}"},
    "empty": {
        "vi": "Câu hỏi đang trống: hãy nhập một câu hỏi về các bài báo.",
        "en": "The question is empty: type a question about the articles.",
    },
    "too_long": {
        "vi": "Câu hỏi quá dài ({n} ký tự, tối đa {limit}): hãy rút gọn câu hỏi.",
        "en": "The question is too long ({n} characters, at most {limit}): please shorten it.",
    },
    # optional LLM (qa.answering.llm)
    "llm_system": {
        "vi": "Bạn trả lời câu hỏi chỉ dựa trên các đoạn trích được đánh số. Sau mỗi câu, ghi nguồn dạng [n]. "
        "Nếu các đoạn không có câu trả lời, hãy nói rõ như vậy. Trả lời ngắn gọn bằng tiếng Việt.",
        "en": "Answer only from the numbered passages. After every sentence cite its source as [n]. "
        "If the passages do not contain the answer, say so. Be brief and answer in English.",
    },
    "llm_user": {"vi": "Đoạn trích:\n{passages}\n\nCâu hỏi: {question}", "en": "Passages:\n{passages}\n\nQuestion: {question}"},
    "llm_bad_marker": {
        "vi": "trích dẫn [{n}] không trỏ tới đoạn nào và đã bị bỏ",
        "en": "citation [{n}] pointed to no passage and was removed",
    },
    "llm_uncited": {"vi": "câu không có trích dẫn: «{s}»", "en": "sentence without a citation: «{s}»"},
    "llm_unsupported": {"vi": "câu «{s}» không được đoạn [{n}] hỗ trợ", "en": "«{s}» is not supported by passage [{n}]"},
    "llm_failed": {
        "vi": "mô hình ngôn ngữ không phản hồi được ({e}); hiển thị câu trả lời trích xuất",
        "en": "the language model failed ({e}); showing the extractive answer",
    },
    # command line (qa.cli)
    "cli_may_be_related": {"vi": "Có thể liên quan:", "en": "May be related:"},
    "cli_no_passages": {"vi": "không có đoạn nào (kiểm tra bộ lọc)", "en": "no passages (check the filters)"},
    "confidence": {"vi": "Độ tin cậy", "en": "Confidence"},
    # chat UI (ui/)
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
    "articles_headers": {"vi": "Tiêu đề|Ngày|Nguồn|Đoạn|Định dạng|Tệp", "en": "Title|Date|Outlet|Passages|Format|File"},
    "articles_date_month": {"vi": "{iso} (cả tháng)", "en": "{iso} (month)"},
    "articles_date_partial": {"vi": "{iso} (không rõ năm)", "en": "{iso} (year unknown)"},
    "articles_no_date": {"vi": "(không rõ ngày)", "en": "(no date)"},
    "articles_table": {
        "vi": "Các bài trong chỉ mục: sắp xếp bằng nút ⋮ ở tiêu đề cột, lọc bằng ô tìm kiếm",
        "en": "Articles in the index: sort with the ⋮ button of a column header, filter with the search box",
    },
    "articles_pick": {
        "vi": "Chọn một dòng trong bảng để xoá bài đó.",
        "en": "Select a row in the table to remove that article.",
    },
    "articles_selected": {"vi": "Đã chọn: {title} ({file})", "en": "Selected: {title} ({file})"},
    "articles_added": {"vi": "Đã thêm {name}", "en": "Added {name}"},
    "articles_already": {"vi": "{name} đã có trong kho bài", "en": "{name} is already in the corpus"},
    "articles_removed": {"vi": "Đã xoá {name}", "en": "Removed {name}"},
    "articles_nothing": {"vi": "Không có thay đổi nào; chỉ mục giữ nguyên.", "en": "Nothing changed; the index is as it was."},
    "articles_no_url": {"vi": "Hãy nhập một địa chỉ http:// hoặc https://", "en": "Type an http:// or https:// address"},
    "articles_no_choice": {
        "vi": "Hãy chọn một bài trong bảng để xoá.",
        "en": "Select an article in the table to remove.",
    },
    "articles_url": {"vi": "Địa chỉ trang báo (URL)", "en": "Page address (URL)"},
    "articles_add_url": {"vi": "Thêm từ URL", "en": "Add from URL"},
    "articles_remove": {"vi": "Xoá bài đã chọn", "en": "Remove the selected article"},
    # build summary in the Articles panel (ui/build_report.py)
    "build_added": {"vi": "đã thêm {articles} ({passages})", "en": "added {articles} ({passages})"},
    "build_changed": {"vi": "đã đọc lại {articles} đã sửa ({passages})", "en": "re-read {articles} that changed ({passages})"},
    "build_removed": {"vi": "đã xoá {articles}", "en": "removed {articles}"},
    "build_time": {"vi": "cập nhật chỉ mục trong {seconds} s", "en": "index updated in {seconds} s"},
    "build_unchanged": {"vi": "chỉ mục không đổi ({seconds} s)", "en": "index unchanged ({seconds} s)"},
    "build_articles": {"vi": "{n} bài", "en": "{n} articles"},
    "build_articles_one": {"vi": "{n} bài", "en": "{n} article"},
    "build_passages": {"vi": "{n} đoạn", "en": "{n} passages"},
    "build_passages_one": {"vi": "{n} đoạn", "en": "{n} passage"},
    "build_skipped": {"vi": "Bỏ qua {name}: {reason}", "en": "Skipped {name}: {reason}"},
    "build_skipped_unnamed": {"vi": "Bỏ qua: {reason}", "en": "Skipped: {reason}"},
    "build_details": {"vi": "Chi tiết: {items}", "en": "Details: {items}"},
    "build_files": {"vi": "tệp {names}", "en": "files {names}"},
    "build_version": {"vi": "phiên bản {version}", "en": "version {version}"},
    "build_vectors": {"vi": "{embedded} mới mã hoá, {reused} dùng lại", "en": "{embedded} embedded, {reused} reused"},
    "build_truncated": {
        "vi": "{passages} dài hơn cửa sổ của mô hình (bị cắt)",
        "en": "{passages} longer than the model's window (truncated)",
    },
    "model": {"vi": "Mô hình", "en": "Model"},
    "query_encoder": {"vi": "mã hóa câu hỏi bằng", "en": "questions embedded with"},
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


def t(key: str, lang: str = "vi", **values) -> str:
    text = STRINGS[key].get(lang) or STRINGS[key]["vi"]
    return text.format(**values) if values else text
