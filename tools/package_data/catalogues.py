"""Catalogues: named product groups, purchasable items and English/Vietnamese names.

Writes (into any folder, byte-deterministic):

- ``product_groups.csv`` — one row per named group (``@electronics-apr-2025`` ...): titles in
  English and Vietnamese, the legal instrument, completeness, the coverage rule, sources;
- ``product_group_codes.csv.gz`` — the group's HS codes as the legal source lists them (HS2 to
  HTS10), with the 2024 US imports each HTS8/HTS10 code covers (from Vietnam and from the 50
  named suppliers), so a group can be expanded at any product axis's resolution at run time;
- ``hs6_weights.csv.gz`` — 2024 US imports by HS6 (from Vietnam, from the 50 named suppliers)
  for every HS6 member of the packaged baselines: the weights of that expansion;
- ``purchase_items.csv`` — purchasable items (aircraft by model, gas turbines, LNG cargoes,
  farm goods by tonne, GPUs and servers by unit) with unit prices and their sources;
- ``hs_names.csv`` — HS sections, chapters and the split-out lines of the mixed axis in English
  and Vietnamese, each name with its source;
- ``supplier_names.csv`` — every supplier code in English and Vietnamese.

Vietnamese section and chapter titles are transcribed from Vietnam's published nomenclature as
annexed to Circular 164/2013/TT-BTC (Phụ lục II, "Danh mục hàng hoá nhập khẩu Việt Nam", the HS
2012 edition of the text later re-issued by Circular 31/2022/TT-BTC for HS 2022); every other
Vietnamese name is marked "tradesim translation, not official".
"""
from __future__ import annotations

import re

import pandas as pd

from package_data.common import HS_SECTIONS, OUT, Build, read_csv, to_int

HS10_FILE = "us_imports_hs10_by_partner_2024.csv.gz"
HS10_SOURCE = ("S5 shared/data/us_imports_hs10_by_partner_2024.csv.gz (tradewartracker/"
               "trade-war-redux-2025@726c595, Census CON_VAL_YR 2024)")
TRACKER = "raw/budgetlab/tariff-rate-tracker"
CH99 = f"{TRACKER}/us_notes/chapter99_2026_rev_6.txt"
MIN_SHARE = 0.7  # a product joins a group when >= 70 % of its 2024 US imports are on the list
NOT_OFFICIAL = "tradesim translation, not official"
VN_NOMENCLATURE_SHORT = "official: Circular 164/2013/TT-BTC Phụ lục II (Danh mục hàng hoá nhập khẩu Việt Nam)"
VN_NOMENCLATURE = ("Circular 164/2013/TT-BTC, Phụ lục II (Danh mục hàng hoá nhập khẩu Việt Nam, "
                   "HS 2012 text; chapter titles as re-issued by Circular 31/2022/TT-BTC for HS "
                   "2022 where unchanged), official Vietnamese text as reproduced in "
                   "github:teije05-art/clone-pjj-tax-legal-22dec@a69adb5 data/tax_legal/"
                   "tax_database/03_Customs/Circulars/FTA/MFN/Doc_Undated_Bieu_thue_TT.md; "
                   "upper case of the original set in sentence case")

# ---------------------------------------------------------------------------------------------
# Vietnamese HS section (Phần) and chapter (Chương) titles, transcribed from the official text
# ---------------------------------------------------------------------------------------------
VN_SECTIONS = {
    "I": "ĐỘNG VẬT SỐNG; CÁC SẢN PHẨM TỪ ĐỘNG VẬT",
    "II": "CÁC SẢN PHẨM THỰC VẬT",
    "III": "MỠ VÀ DẦU ĐỘNG VẬT HOẶC THỰC VẬT VÀ CÁC SẢN PHẨM TÁCH TỪ CHÚNG; MỠ ĂN ĐƯỢC ĐÃ CHẾ BIẾN; "
           "CÁC LOẠI SÁP ĐỘNG VẬT HOẶC THỰC VẬT",
    "IV": "THỰC PHẨM CHẾ BIẾN; ĐỒ UỐNG, RƯỢU MẠNH VÀ GIẤM; THUỐC LÁ VÀ CÁC LOẠI NGUYÊN LIỆU THAY "
          "THẾ THUỐC LÁ ĐÃ CHẾ BIẾN",
    "V": "KHOÁNG SẢN",
    "VI": "SẢN PHẨM CỦA NGÀNH CÔNG NGHIỆP HOÁ CHẤT HOẶC CÁC NGÀNH CÔNG NGHIỆP LIÊN QUAN",
    "VII": "PLASTIC VÀ CÁC SẢN PHẨM BẰNG PLASTIC; CAO SU VÀ CÁC SẢN PHẨM BẰNG CAO SU",
    "VIII": "DA SỐNG, DA THUỘC, DA LÔNG VÀ CÁC SẢN PHẨM TỪ DA; BỘ ĐỒ YÊN CƯƠNG, HÀNG DU LỊCH, TÚI "
            "XÁCH TAY VÀ CÁC LOẠI ĐỒ CHỨA TƯƠNG TỰ CÁC MẶT HÀNG TỪ RUỘT ĐỘNG VẬT (TRỪ TƠ TỪ "
            "RUỘT CON TẰM)",
    "IX": "GỖ VÀ CÁC MẶT HÀNG BẰNG GỖ; THAN TỪ GỖ; LIE VÀ CÁC SẢN PHẨM BẰNG LIE; CÁC SẢN PHẨM TỪ "
          "RƠM, CỎ GIẤY HOẶC CÁC VẬT LIỆU TẾT BỆN KHÁC; CÁC SẢN PHẨM BẰNG LIỄU GAI VÀ SONG MÂY",
    "X": "BỘT GIẤY TỪ GỖ HOẶC TỪ NGUYÊN LIỆU XƠ SỢI XENLULO KHÁC; GIẤY LOẠI HOẶC BÌA LOẠI THU HỒI "
         "(PHẾ LIỆU VÀ VỤN THỪA) GIẤY VÀ BÌA VÀ CÁC SẢN PHẨM CỦA CHÚNG",
    "XI": "NGUYÊN LIỆU DỆT VÀ CÁC SẢN PHẨM DỆT",
    "XII": "GIÀY, DÉP, MŨ VÀ CÁC VẬT ĐỘI ĐẦU KHÁC, Ô, DÙ, BA TOONG, GẬY TAY CẦM CÓ THỂ CHUYỂN "
           "THÀNH GHẾ, ROI GẬY ĐIỀU KHIỂN, ROI ĐIỀU KHIỂN SÚC VẬT THỒ KÉO VÀ CÁC BỘ PHẬN CỦA CÁC "
           "LOẠI HÀNG TRÊN; LÔNG VŨ CHẾ BIẾN VÀ CÁC SẢN PHẨM LÀM TỪ LÔNG VŨ CHẾ BIẾN; HOA NHÂN "
           "TẠO; CÁC SẢN PHẨM LÀM TỪ TÓC NGƯỜI",
    "XIII": "SẢN PHẨM BẰNG ĐÁ, THẠCH CAO, XI MĂNG, AMIĂNG, MICA HOẶC CÁC VẬT LIỆU TƯƠNG TỰ; ĐỒ "
            "GỐM; THUỶ TINH VÀ CÁC SẢN PHẨM BẰNG THUỶ TINH",
    "XIV": "NGỌC TRAI TỰ NHIÊN HOẶC NUÔI CẤY, ĐÁ QUÝ HOẶC ĐÁ BÁN QUÝ, KIM LOẠI QUÝ, KIM LOẠI ĐƯỢC "
           "DÁT PHỦ KIM LOẠI QUÝ, VÀ CÁC SẢN PHẨM CỦA CHÚNG; ĐỒ TRANG SỨC LÀM BẰNG CHẤT LIỆU KHÁC; "
           "TIỀN KIM LOẠI",
    "XV": "KIM LOẠI CƠ BẢN VÀ CÁC SẢN PHẨM BẰNG KIM LOẠI CƠ BẢN",
    "XVI": "MÁY VÀ CÁC TRANG THIẾT BỊ CƠ KHÍ; THIẾT BỊ ĐIỆN; CÁC BỘ PHẬN CỦA CHÚNG; THIẾT BỊ GHI "
           "VÀ TÁI TẠO ÂM THANH, THIẾT BỊ GHI VÀ TÁI TẠO HÌNH ẢNH, ÂM THANH TRUYỀN HÌNH VÀ CÁC BỘ "
           "PHẬN VÀ PHỤ KIỆN CỦA CÁC THIẾT BỊ TRÊN",
    "XVII": "XE CỘ, PHƯƠNG TIỆN BAY, TÀU THUYỀN VÀ CÁC THIẾT BỊ VẬN TẢI LIÊN HỢP",
    "XVIII": "DỤNG CỤ, THIẾT BỊ VÀ MÁY QUANG HỌC, NHIẾP ẢNH, ĐIỆN ẢNH, ĐO LƯỜNG, KIỂM TRA ĐỘ CHÍNH "
             "XÁC, Y TẾ HOẶC PHẪU THUẬT; ĐỒNG HỒ CÁ NHÂN VÀ ĐỒNG HỒ THỜI GIAN KHÁC; NHẠC CỤ; CÁC "
             "BỘ PHẬN VÀ PHỤ KIỆN CỦA CHÚNG",
    "XIX": "VŨ KHÍ VÀ ĐẠN; CÁC BỘ PHẬN VÀ PHỤ KIỆN CỦA CHÚNG",
    "XX": "CÁC MẶT HÀNG KHÁC",
    "XXI": "CÁC TÁC PHẨM NGHỆ THUẬT, ĐỒ SƯU TẦM VÀ ĐỒ CỔ",
}
#: Section XXII is tradesim's bucket for the US national chapters 98-99 (not part of the HS).
VN_SECTION_XXII = "Các quy định phân loại đặc biệt (các chương quốc gia 98–99 của Hoa Kỳ)"

VN_CHAPTERS = {
    1: "ĐỘNG VẬT SỐNG",
    2: "THỊT VÀ PHỤ PHẨM DẠNG THỊT ĂN ĐƯỢC SAU GIẾT MỔ",
    3: "CÁ VÀ ĐỘNG VẬT GIÁP XÁC, ĐỘNG VẬT THÂN MỀM VÀ ĐỘNG VẬT THUỶ SINH KHÔNG XƯƠNG SỐNG KHÁC",
    4: "SẢN PHẨM BƠ SỮA; TRỨNG CHIM VÀ TRỨNG GIA CẦM; MẬT ONG TỰ NHIÊN; SẢN PHẨM ĂN ĐƯỢC GỐC ĐỘNG "
       "VẬT, CHƯA ĐƯỢC CHI TIẾT HOẶC GHI Ở NƠI KHÁC",
    5: "SẢN PHẨM GỐC ĐỘNG VẬT, CHƯA ĐƯỢC CHI TIẾT HOẶC GHI Ở CÁC NƠI KHÁC",
    6: "CÂY SỐNG VÀ CÁC LOẠI CÂY TRỒNG KHÁC; CỦ, RỄ VÀ LOẠI TƯƠNG TỰ; CÀNH HOA VÀ CÀNH LÁ TRANG "
       "TRÍ",
    7: "RAU VÀ MỘT SỐ LOẠI CỦ, THÂN CỦ VÀ RỄ ĂN ĐƯỢC",
    8: "QUẢ VÀ QUẢ HẠCH ĂN ĐƯỢC; VỎ QUẢ THUỘC HỌ CAM QUÝT HOẶC CÁC LOẠI DƯA",
    9: "CÀ PHÊ, CHÈ, CHÈ PARAGOAY VÀ CÁC LOẠI GIA VỊ",
    10: "NGŨ CỐC",
    11: "CÁC SẢN PHẨM XAY XÁT; MALT; TINH BỘT; INULIN; GLUTEN LÚA MÌ",
    12: "HẠT DẦU VÀ QUẢ CÓ DẦU; CÁC LOẠI NGŨ CỐC, HẠT VÀ QUẢ KHÁC; CÂY CÔNG NGHIỆP HOẶC CÂY DƯỢC "
        "LIỆU; RƠM, RẠ VÀ CỎ KHÔ",
    13: "NHỰA CÁNH KIẾN ĐỎ; GÔM, NHỰA CÂY, CÁC CHẤT NHỰA VÀ CÁC CHẤT CHIẾT XUẤT TỪ THỰC VẬT KHÁC",
    14: "VẬT LIỆU THỰC VẬT DÙNG ĐỂ TẾT BỆN; CÁC SẢN PHẨM THỰC VẬT CHƯA ĐƯỢC CHI TIẾT HOẶC GHI Ở "
        "NƠI KHÁC",
    15: "MỠ VÀ DẦU ĐỘNG VẬT HOẶC THỰC VẬT VÀ CÁC SẢN PHẨM TÁCH TỪ CHÚNG; MỠ ĂN ĐƯỢC ĐÃ CHẾ BIẾN; "
        "CÁC LOẠI SÁP ĐỘNG VẬT HOẶC THỰC VẬT",
    16: "CÁC CHẾ PHẨM TỪ THỊT, CÁ HAY ĐỘNG VẬT GIÁP XÁC, ĐỘNG VẬT THÂN MỀM HOẶC ĐỘNG VẬT THUỶ SINH "
        "KHÔNG XƯƠNG SỐNG KHÁC",
    17: "ĐƯỜNG VÀ CÁC LOẠI KẸO ĐƯỜNG",
    18: "CA CAO VÀ CÁC CHẾ PHẨM TỪ CA CAO",
    19: "CHẾ PHẨM TỪ NGŨ CỐC, BỘT, TINH BỘT HOẶC SỮA; CÁC LOẠI BÁNH",
    20: "CÁC CHẾ PHẨM TỪ RAU, QUẢ, QUẢ HẠCH HOẶC CÁC SẢN PHẨM KHÁC CỦA CÂY",
    21: "CÁC CHẾ PHẨM ĂN ĐƯỢC KHÁC",
    22: "ĐỒ UỐNG, RƯỢU VÀ GIẤM",
    23: "PHẾ LIỆU VÀ PHẾ THẢI TỪ NGÀNH CÔNG NGHIỆP THỰC PHẨM; THỨC ĂN GIA SÚC ĐÃ CHẾ BIẾN",
    24: "THUỐC LÁ VÀ NGUYÊN LIỆU THAY THẾ THUỐC LÁ LÁ ĐÃ CHẾ BIẾN",
    25: "MUỐI; LƯU HUỲNH; ĐẤT VÀ ĐÁ; THẠCH CAO, VÔI VÀ XI MĂNG",
    26: "QUẶNG, XỈ VÀ TRO",
    27: "NHIÊN LIỆU KHOÁNG, DẦU KHOÁNG VÀ CÁC SẢN PHẨM CHƯNG CẤT TỪ CHÚNG; CÁC CHẤT CHỨA BI-TUM; "
        "CÁC LOẠI SÁP KHOÁNG CHẤT",
    28: "HOÁ CHẤT VÔ CƠ; CÁC HỢP CHẤT VÔ CƠ HAY HỮU CƠ CỦA KIM LOẠI QUÝ, KIM LOẠI ĐẤT HIẾM, CÁC "
        "NGUYÊN TỐ PHÓNG XẠ HOẶC CÁC CHẤT ĐỒNG VỊ",
    29: "HOÁ CHẤT HỮU CƠ",
    30: "DƯỢC PHẨM",
    31: "PHÂN BÓN",
    32: "CÁC CHẤT CHIẾT XUẤT LÀM THUỐC NHUỘM HOẶC THUỘC DA; TA NANH VÀ CÁC CHẤT DẪN XUẤT CỦA "
        "CHÚNG; THUỐC NHUỘM, THUỐC MÀU VÀ CÁC CHẤT MÀU KHÁC; SƠN VÀ VÉC NI; CHẤT GẮN VÀ CÁC LOẠI "
        "MA TÍT KHÁC; CÁC LOẠI MỰC",
    33: "TINH DẦU VÀ CÁC CHẤT TỰA NHỰA; NƯỚC HOA, MỸ PHẨM HOẶC CÁC CHẾ PHẨM DÙNG CHO VỆ SINH",
    34: "XÀ PHÒNG, CÁC CHẤT HỮU CƠ HOẠT ĐỘNG BỀ MẶT, CÁC CHẾ PHẨM DÙNG ĐỂ GIẶT, RỬA, CÁC CHẾ PHẨM "
        "BÔI TRƠN, CÁC LOẠI SÁP NHÂN TẠO, SÁP CHẾ BIẾN, CÁC CHẾ PHẨM DÙNG ĐỂ ĐÁNH BÓNG HOẶC TẨY "
        "SẠCH, NẾN VÀ CÁC SẢN PHẨM TƯƠNG TỰ, BỘT NHÃO DÙNG LÀM HÌNH MẪU, SÁP DÙNG TRONG NHA KHOA "
        "VÀ CÁC CHẾ PHẨM DÙNG TRONG NHA KHOA CÓ THÀNH PHẦN CƠ BẢN LÀ THẠCH CAO",
    35: "CÁC CHẤT CHỨA ANBUMIN; CÁC DẠNG TINH BỘT BIẾN TÍNH; KEO HỒ; ENZIM",
    36: "CHẤT NỔ; CÁC SẢN PHẨM PHÁO; DIÊM; CÁC HỢP KIM TỰ CHÁY; CÁC CHẾ PHẨM DỄ CHÁY KHÁC",
    37: "VẬT LIỆU ẢNH HOẶC ĐIỆN ẢNH",
    38: "CÁC SẢN PHẨM HÓA CHẤT KHÁC",
    39: "PLASTIC VÀ CÁC SẢN PHẨM BẰNG PLASTIC",
    40: "CAO SU VÀ CÁC SẢN PHẨM BẰNG CAO SU",
    41: "DA SỐNG (TRỪ DA LÔNG) VÀ DA THUỘC",
    42: "CÁC SẢN PHẨM BẰNG DA THUỘC; YÊN CƯƠNG VÀ BỘ YÊN CƯƠNG; CÁC MẶT HÀNG DU LỊCH, TÚI XÁCH VÀ "
        "CÁC LOẠI ĐỒ CHỨA TƯƠNG TỰ; CÁC SẢN PHẨM LÀM TỪ RUỘT ĐỘNG VẬT (TRỪ TƠ TỪ RUỘT CON TẰM)",
    43: "DA LÔNG VÀ DA LÔNG NHÂN TẠO; CÁC SẢN PHẨM LÀM TỪ DA LÔNG VÀ DA LÔNG NHÂN TẠO",
    44: "GỖ VÀ CÁC MẶT HÀNG BẰNG GỖ; THAN TỪ GỖ",
    45: "LIE VÀ CÁC SẢN PHẨM BẰNG LIE",
    46: "SẢN PHẨM LÀM TỪ RƠM, CỎ GIẤY HOẶC TỪ CÁC LOẠI VẬT LIỆU TẾT BỆN KHÁC; CÁC SẢN PHẨM BẰNG "
        "LIỄU GAI VÀ SONG MÂY",
    47: "BỘT GIẤY TỪ GỖ HOẶC TỪ NGUYÊN LIỆU XƠ XENLULO KHÁC; GIẤY LOẠI HOẶC BÌA LOẠI THU HỒI (PHẾ "
        "LIỆU VÀ VỤN THỪA)",
    48: "GIẤY VÀ BÌA; CÁC SẢN PHẨM LÀM BẰNG BỘT GIẤY, BẰNG GIẤY HOẶC BẰNG BÌA",
    49: "SÁCH, BÁO, TRANH ẢNH VÀ CÁC SẢN PHẨM KHÁC CỦA CÔNG NGHIỆP IN; CÁC LOẠI BẢN THẢO VIẾT BẰNG "
        "TAY, ĐÁNH MÁY VÀ SƠ ĐỒ",
    50: "TƠ TẰM",
    51: "LÔNG CỪU, LÔNG ĐỘNG VẬT LOẠI MỊN HOẶC LOẠI THÔ; SỢI TỪ LÔNG ĐUÔI HOẶC BỜM NGỰA VÀ VẢI DỆT "
        "THOI TỪ CÁC NGUYÊN LIỆU TRÊN",
    52: "BÔNG",
    53: "XƠ DỆT GỐC THỰC VẬT KHÁC; SỢI GIẤY VÀ VẢI DỆT THOI TỪ SỢI GIẤY",
    54: "SỢI FILAMENT NHÂN TẠO; SỢI DẠNG DẢI VÀ CÁC DẠNG TƯƠNG TỰ TỪ NGUYÊN LIỆU DỆT NHÂN TẠO",
    55: "XƠ SỢI STAPLE NHÂN TẠO",
    56: "MỀN XƠ, PHỚT VÀ CÁC SẢN PHẨM KHÔNG DỆT; CÁC LOẠI SỢI ĐẶC BIỆT; SỢI XE, CHÃO BỆN "
        "(CORDAGE), THỪNG VÀ CÁP VÀ CÁC SẢN PHẨM CỦA CHÚNG",
    57: "THẢM VÀ CÁC LOẠI HÀNG DỆT TRẢI SÀN KHÁC",
    58: "CÁC LOẠI VẢI DỆT THOI ĐẶC BIỆT; CÁC LOẠI VẢI DỆT CHẦN SỢI VÒNG; HÀNG REN; THẢM TRANG TRÍ; "
        "HÀNG TRANG TRÍ; HÀNG THÊU",
    59: "CÁC LOẠI VẢI DỆT ĐÃ ĐƯỢC NGÂM TẨM, TRÁNG, PHỦ HOẶC ÉP LỚP; CÁC MẶT HÀNG DỆT THÍCH HỢP "
        "DÙNG TRONG CÔNG NGHIỆP",
    60: "CÁC LOẠI HÀNG DỆT KIM HOẶC MÓC",
    61: "QUẦN ÁO VÀ HÀNG MAY MẶC PHỤ TRỢ, DỆT KIM HOẶC MÓC",
    62: "QUẦN ÁO VÀ CÁC HÀNG MAY MẶC PHỤ TRỢ, KHÔNG DỆT KIM HOẶC MÓC",
    63: "CÁC MẶT HÀNG DỆT ĐÃ HOÀN THIỆN KHÁC; BỘ VẢI; QUẦN ÁO DỆT VÀ CÁC LOẠI HÀNG DỆT ĐÃ QUA SỬ "
        "DỤNG KHÁC; VẢI VỤN",
    64: "GIÀY, DÉP, GHỆT VÀ CÁC SẢN PHẨM TƯƠNG TỰ; CÁC BỘ PHẬN CỦA CÁC SẢN PHẨM TRÊN",
    65: "MŨ VÀ CÁC VẬT ĐỘI ĐẦU KHÁC VÀ CÁC BỘ PHẬN CỦA CHÚNG",
    66: "Ô, DÙ CHE, BA TOONG, GẬY TAY CẦM CÓ THỂ CHUYỂN THÀNH GHẾ, ROI, GẬY ĐIỀU KHIỂN, ROI ĐIỀU "
        "KHIỂN SÚC VẬT THỒ KÉO VÀ CÁC BỘ PHẬN CỦA CÁC SẢN PHẨM TRÊN",
    67: "LÔNG VŨ VÀ LÔNG TƠ CHẾ BIẾN, CÁC SẢN PHẨM BẰNG LÔNG VŨ HOẶC LÔNG TƠ; HOA NHÂN TẠO; CÁC "
        "SẢN PHẨM LÀM TỪ TÓC NGƯỜI",
    68: "SẢN PHẨM LÀM BẰNG ĐÁ, THẠCH CAO, XI MĂNG, AMIĂNG, MICA HOẶC CÁC VẬT LIỆU TƯƠNG TỰ",
    69: "ĐỒ GỐM, SỨ",
    70: "THUỶ TINH VÀ CÁC SẢN PHẨM BẰNG THUỶ TINH",
    71: "NGỌC TRAI TỰ NHIÊN HOẶC NUÔI CẤY, ĐÁ QUÝ HOẶC ĐÁ BÁN QUÝ, KIM LOẠI QUÝ, KIM LOẠI ĐƯỢC DÁT "
        "PHỦ KIM LOẠI QUÝ, VÀ CÁC SẢN PHẨM CỦA CHÚNG; ĐỒ TRANG SỨC LÀM BẰNG CHẤT LIỆU KHÁC; TIỀN "
        "KIM LOẠI",
    72: "SẮT VÀ THÉP",
    73: "CÁC SẢN PHẨM BẰNG SẮT HOẶC THÉP",
    74: "ĐỒNG VÀ CÁC SẢN PHẨM BẰNG ĐỒNG",
    75: "NIKEN VÀ CÁC SẢN PHẨM BẰNG NIKEN",
    76: "NHÔM VÀ CÁC SẢN PHẨM BẰNG NHÔM",
    78: "CHÌ VÀ CÁC SẢN PHẨM BẰNG CHÌ",
    79: "KẼM VÀ CÁC SẢN PHẨM BẰNG KẼM",
    80: "THIẾC VÀ CÁC SẢN PHẨM BẰNG THIẾC",
    81: "KIM LOẠI CƠ BẢN KHÁC; GỐM KIM LOẠI; CÁC SẢN PHẨM CỦA CHÚNG",
    82: "DỤNG CỤ, ĐỒ NGHỀ, DAO, KÉO VÀ BỘ ĐỒ ĂN LÀM TỪ KIM LOẠI CƠ BẢN; CÁC BỘ PHẬN CỦA CHÚNG LÀM "
        "TỪ KIM LOẠI CƠ BẢN",
    83: "HÀNG TẠP HOÁ LÀM TỪ KIM LOẠI CƠ BẢN",
    84: "LÒ PHẢN ỨNG HẠT NHÂN, NỒI HƠI, MÁY VÀ THIẾT BỊ CƠ KHÍ; CÁC BỘ PHẬN CỦA CHÚNG",
    85: "MÁY ĐIỆN VÀ THIẾT BỊ ĐIỆN VÀ CÁC BỘ PHẬN CỦA CHÚNG; MÁY GHI VÀ TÁI TẠO ÂM THANH, MÁY GHI "
        "VÀ TÁI TẠO HÌNH ẢNH VÀ ÂM THANH TRUYỀN HÌNH, BỘ PHẬN VÀ PHỤ KIỆN CỦA CÁC LOẠI MÁY TRÊN",
    86: "ĐẦU MÁY XE LỬA HOẶC XE ĐIỆN, TOA XE LỬA VÀ CÁC BỘ PHẬN CỦA CHÚNG; VẬT CỐ ĐỊNH VÀ GHÉP NỐI "
        "ĐƯỜNG RAY XE LỬA HOẶC XE ĐIỆN VÀ BỘ PHẬN CỦA CHÚNG; THIẾT BỊ TÍN HIỆU GIAO THÔNG BẰNG CƠ "
        "KHÍ (KỂ CẢ CƠ ĐIỆN) CÁC LOẠI",
    87: "XE CỘ TRỪ PHƯƠNG TIỆN CHẠY TRÊN ĐƯỜNG XE LỬA HOẶC XE ĐIỆN, VÀ CÁC BỘ PHẬN VÀ PHỤ KIỆN CỦA "
        "CHÚNG",
    88: "PHƯƠNG TIỆN BAY, TẦU VŨ TRỤ, VÀ CÁC BỘ PHẬN CỦA CHÚNG",
    89: "TÀU THUỶ, THUYỀN VÀ CÁC KẾT CẤU NỔI",
    90: "DỤNG CỤ, THIẾT BỊ QUANG HỌC, NHIẾP ẢNH, ĐIỆN ẢNH, ĐO LƯỜNG, KIỂM TRA ĐỘ CHÍNH XÁC, Y TẾ "
        "HOẶC PHẪU THUẬT; CÁC BỘ PHẬN VÀ PHỤ KIỆN CỦA CHÚNG",
    91: "ĐỒNG HỒ THỜI GIAN VÀ CÁC BỘ PHẬN CỦA CHÚNG",
    92: "NHẠC CỤ; CÁC BỘ PHẬN VÀ PHỤ KIỆN CỦA CHÚNG",
    93: "VŨ KHÍ VÀ ĐẠN; CÁC BỘ PHẬN VÀ PHỤ KIỆN CỦA CHÚNG",
    94: "ĐỒ NỘI THẤT; BỘ ĐỒ GIƯỜNG, ĐỆM, KHUNG ĐỆM, NỆM VÀ CÁC ĐỒ DÙNG NHỒI TƯƠNG TỰ; ĐÈN VÀ BỘ "
        "ĐÈN, CHƯA ĐƯỢC CHI TIẾT HOẶC GHI Ở NƠI KHÁC; BIỂN HIỆU ĐƯỢC CHIẾU SÁNG, BIỂN ĐỀ TÊN ĐƯỢC "
        "CHIẾU SÁNG VÀ CÁC LOẠI TƯƠNG TỰ; NHÀ LẮP GHÉP",
    95: "ĐỒ CHƠI, THIẾT BỊ TRÒ CHƠI VÀ DỤNG CỤ THỂ THAO; CÁC BỘ PHẬN VÀ PHỤ KIỆN CỦA CHÚNG",
    96: "CÁC MẶT HÀNG KHÁC",
    97: "CÁC TÁC PHẨM NGHỆ THUẬT, ĐỒ SƯU TẦM VÀ ĐỒ CỔ",
}
#: The US national chapters (not in Vietnam's nomenclature, whose chapter 98 is a VN-specific
#: schedule): tradesim's own Vietnamese titles.
VN_CHAPTERS_OWN = {
    98: "Các quy định phân loại đặc biệt (chương quốc gia 98 của Hoa Kỳ: hàng Hoa Kỳ tái nhập, "
        "hàng ước tính giá trị thấp ...)",
    99: "Các quy định tạm thời, biện pháp thương mại bổ sung (chương quốc gia 99 của Hoa Kỳ)",
}
#: WCO/HS 2022 English chapter titles whose wording changed since the HS 2012 Vietnamese text.
HS2022_NOTE = {15: "HS 2022 adds microbial fats and oils (\"hoặc vi sinh vật\") to this title; "
                   "the 2012 wording is kept"}

# ---------------------------------------------------------------------------------------------
# Vietnamese names of the split-out lines of the mixed axis (own translations)
# ---------------------------------------------------------------------------------------------
VN_LINES = {
    "8471": "Máy tính (máy xử lý dữ liệu tự động)",
    "847330": "Bộ phận và phụ kiện của máy tính",
    "8486": "Máy và thiết bị sản xuất bán dẫn",
    "8517": "Điện thoại và thiết bị mạng",
    "851713": "Điện thoại thông minh",
    "851762": "Thiết bị mạng (bộ định tuyến, bộ chuyển mạch, modem)",
    "8524": "Mô-đun màn hình dẹt",
    "852351": "Thiết bị lưu trữ bán dẫn (ổ USB, SSD)",
    "852852": "Màn hình dùng cho máy tính",
    "8541": "Thiết bị bán dẫn, điốt, pin mặt trời và đèn LED",
    "854141": "Điốt phát quang (LED)",
    "854142": "Tế bào quang điện chưa lắp thành mô-đun",
    "854143": "Tế bào quang điện đã lắp thành mô-đun (tấm pin mặt trời)",
    "8542": "Mạch điện tử tích hợp (vi mạch)",
    "9401": "Ghế ngồi và bộ phận của ghế",
    "940161": "Ghế khung gỗ, đã nhồi đệm",
    "9403": "Đồ nội thất khác và bộ phận",
    "940340": "Đồ nội thất bằng gỗ dùng trong nhà bếp (tủ bếp)",
    "8703": "Ô tô chở người",
    "8708": "Bộ phận và phụ kiện của xe có động cơ",
    "4412": "Gỗ dán, tấm gỗ dán veneer và gỗ ghép",
    "8800": "Phương tiện bay dân dụng (mã tổng hợp Schedule B 880000)",
    "8802": "Phương tiện bay (máy bay, tàu vũ trụ)",
    "8411": "Động cơ tuốc bin phản lực và tuốc bin khí",
    "5201": "Bông, chưa chải thô hoặc chưa chải kỹ",
    "1201": "Đậu tương",
    "1005": "Ngô",
    "1001": "Lúa mì và meslin",
    "2304": "Khô dầu đậu tương",
    "2303": "Bã rượu ngũ cốc (DDGS) và phế liệu",
    "2711": "Khí dầu mỏ (LPG và các loại khác)",
    "271111": "Khí tự nhiên hoá lỏng (LNG)",
    "2207": "Cồn ê-ti-lích (ethanol)",
    "0207": "Thịt và phụ phẩm gia cầm",
    "0203": "Thịt lợn",
    "0802": "Quả hạch (hạnh nhân và loại khác)",
    "854160": "Tinh thể áp điện đã lắp ráp",
    "870323": "Ô tô chở người động cơ xăng, dung tích 1.500–3.000 cc",
    "870324": "Ô tô chở người động cơ xăng, dung tích trên 3.000 cc",
}

# ---------------------------------------------------------------------------------------------
# Supplier names (own translations of the Vietnamese country names)
# ---------------------------------------------------------------------------------------------
SUPPLIERS = {
    "USA": ("United States", "Hoa Kỳ"), "VNM": ("Vietnam", "Việt Nam"),
    "CHN": ("China", "Trung Quốc"), "MEX": ("Mexico", "Mê-hi-cô"), "CAN": ("Canada", "Ca-na-đa"),
    "EU": ("European Union", "Liên minh châu Âu"), "JPN": ("Japan", "Nhật Bản"),
    "KOR": ("South Korea", "Hàn Quốc"), "TWN": ("Taiwan", "Đài Loan"), "IND": ("India", "Ấn Độ"),
    "THA": ("Thailand", "Thái Lan"), "MYS": ("Malaysia", "Ma-lai-xi-a"),
    "IDN": ("Indonesia", "In-đô-nê-xi-a"), "KHM": ("Cambodia", "Cam-pu-chia"),
    "BGD": ("Bangladesh", "Băng-la-đét"), "PHL": ("Philippines", "Phi-líp-pin"),
    "SGP": ("Singapore", "Xin-ga-po"), "HKG": ("Hong Kong", "Hồng Công"),
    "GBR": ("United Kingdom", "Vương quốc Anh"), "ROW": ("Rest of the world", "Phần còn lại của thế giới"),
    "GTM": ("Guatemala", "Goa-tê-ma-la"), "SLV": ("El Salvador", "En Xan-va-đo"),
    "HND": ("Honduras", "Hôn-đu-rát"), "NIC": ("Nicaragua", "Ni-ca-ra-goa"),
    "CRI": ("Costa Rica", "Cốt-xta Ri-ca"), "DOM": ("Dominican Republic", "Cộng hoà Đô-mi-ni-ca"),
    "TTO": ("Trinidad and Tobago", "Tri-ni-đát và Tô-ba-gô"), "COL": ("Colombia", "Cô-lôm-bi-a"),
    "VEN": ("Venezuela", "Vê-nê-xu-ê-la"), "ECU": ("Ecuador", "Ê-cu-a-đo"), "PER": ("Peru", "Pê-ru"),
    "CHL": ("Chile", "Chi-lê"), "BRA": ("Brazil", "Bra-xin"), "ARG": ("Argentina", "Ác-hen-ti-na"),
    "CHE": ("Switzerland", "Thuỵ Sĩ"), "NOR": ("Norway", "Na Uy"),
    "TUR": ("Türkiye", "Thổ Nhĩ Kỳ"), "RUS": ("Russia", "Liên bang Nga"), "ISR": ("Israel", "I-xra-en"),
    "SAU": ("Saudi Arabia", "A-rập Xê-út"),
    "ARE": ("United Arab Emirates", "Các Tiểu vương quốc Ả-rập Thống nhất"),
    "IRQ": ("Iraq", "I-rắc"), "KWT": ("Kuwait", "Cô-oét"), "PAK": ("Pakistan", "Pa-ki-xtan"),
    "LKA": ("Sri Lanka", "Xri Lan-ca"), "AUS": ("Australia", "Ô-xtrây-li-a"),
    "NZL": ("New Zealand", "Niu Di-lân"), "ZAF": ("South Africa", "Nam Phi"),
    "NGA": ("Nigeria", "Ni-giê-ri-a"), "DZA": ("Algeria", "An-giê-ri"), "EGY": ("Egypt", "Ai Cập"),
    "AGO": ("Angola", "Ăng-gô-la"), "WORLD": ("World", "Thế giới"),
}


# ---------------------------------------------------------------------------------------------
# product groups
# ---------------------------------------------------------------------------------------------
def _dotless(codes: list[str]) -> list[str]:
    return [re.sub(r"[.\s]", "", c) for c in codes if c.strip()]


def _measure(sh: Build, mid: str) -> tuple[str, str]:
    """(legal instrument, source URLs) of a tariff_measures.csv row."""
    m = sh.get("tariff_measures.csv").set_index("measure_id")
    if mid not in m.index:
        raise SystemExit(f"tariff_measures.csv has no row {mid}")
    return str(m.loc[mid, "authority"]), f"tariff_measures.csv {mid}: {m.loc[mid, 'source']}"


def _annex_list(sh: Build) -> list[str]:
    """The HTS subheadings of US note 2(v)(iii)(a), heading 9903.01.32 (HTSUS 2026 Rev 6)."""
    text = (sh.root / CH99).read_text(encoding="latin-1")
    start = text.index("(a) As provided for in heading 9903.01.32")
    end = text.index("(b) As provided in heading 9903.02.78", start)
    body = text[start:end]
    body = body[body.index("subheadings of the HTSUS:"):]
    codes = re.findall(r"(?<![\d.])(\d{4}\.\d{2}(?:\.\d{2}){0,2})(?![\d.])", body)
    out = [c.replace(".", "") for c in codes if not c.startswith("99")]
    if len(out) != len(set(out)) or len(out) < 1000:
        raise SystemExit(f"note 2(v)(iii)(a): unexpected list ({len(out)} codes)")
    return out


def _tracker_prefixes(sh: Build, key: str) -> list[str]:
    """``section_232_headings.<key>.prefixes`` of the tracker's policy_params.yaml."""
    text = (sh.root / TRACKER / "config" / "policy_params.yaml").read_text(encoding="utf-8")
    block = text[text.index(f"  {key}:\n"):]
    block = block[:block.index("default_rate")]
    return re.findall(r"'(\d+)'", block[block.index("prefixes:"):])


def _group_specs(sh: Build) -> list[dict[str, object]]:
    """Every group: name, titles, legal instrument, completeness, codes (with their source)."""
    scopes = sh.get("tariff_scopes.csv").set_index("scope_id")
    elec = _dotless(scopes.loc["SCOPE:ELECTRONICS_APR11", "hs_codes_or_description"].split(";"))
    annex = _annex_list(sh)
    in_elec = [c for c in annex if any(c.startswith(e) for e in elec)]
    farm_ch = {f"{i:02d}" for i in range(1, 25)} | {"31"}
    ch99 = f"{CH99} US note 2(v)(iii)(a) (heading 9903.01.32)"
    copper = read_csv(sh.root / TRACKER / "resources" / "s232_copper_products.csv")
    parts = [ln.strip() for ln in (sh.root / TRACKER / "resources" / "s232_auto_parts.txt")
             .read_text(encoding="utf-8").splitlines() if ln.strip()]
    semis = read_csv(sh.root / TRACKER / "resources" / "s232_semi_products.csv")
    params = f"{TRACKER}/config/policy_params.yaml section_232_headings"
    # HS chapters 1-24 less fish and fish products (chapter 03, fish products of 05.11, fish oils
    # 15.04, 16.04, 16.05, fish meal 2301.20), plus the listed lines of chapters 29-53.
    fish = {"0511", "1504", "1604", "1605", "2301"}
    wto_aoa = [f"{c:02d}" for c in (1, 2, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 17, 18, 19, 20, 21,
                                    22, 24)]
    wto_aoa += [h for c in (5, 15, 16, 23) for h in (f"{c:02d}{i:02d}" for i in range(1, 30))
                if h not in fish]
    wto_aoa += ["051110", "051199", "230110", "290543", "290544", "3301", "3501", "3502", "3503",
                "3504", "3505", "380910", "382460", "4101", "4102", "4103", "4301", "5001",
                "5002", "5003", "5101", "5102", "5103", "5201", "5202", "5203", "5301", "5302"]
    g: list[dict[str, object]] = []

    def add(name: str, en: str, vi: str, legal: str, source: str, completeness: str,
            codes: list[str], code_source: str, note: str = "") -> None:
        g.append({"group": name, "title_en": en, "title_vi": vi, "legal": legal,
                  "completeness": completeness, "source": source, "note": note,
                  "codes": codes, "code_source": code_source})

    legal, src = _measure(sh, "US-IEEPA-EXEMPT-ELECTRONICS")
    add("electronics-apr-2025", "Electronics exempt from the reciprocal tariff (11 Apr 2025 list)",
        "Hàng điện tử được miễn thuế đối ứng (danh mục ngày 11/4/2025)", legal,
        f"{src} | tariff_scopes.csv SCOPE:ELECTRONICS_APR11 ({scopes.loc['SCOPE:ELECTRONICS_APR11', 'source']})",
        "complete", elec, "tariff_scopes.csv SCOPE:ELECTRONICS_APR11",
        "the 20 codes of the memorandum: computers, smartphones, network gear, chips, "
        "semiconductor equipment, displays, solid-state storage; not solar cells or LEDs")
    legal, src = _measure(sh, "US-IEEPA-EXEMPT-ANNEXII")
    add("annex-ii-2025", "Annex II: energy, minerals, chemicals, pharmaceuticals (9903.01.32 list)",
        "Phụ lục II: năng lượng, khoáng sản, hoá chất, dược phẩm (danh mục 9903.01.32)", legal,
        f"{src} | {ch99}", "approximate",
        [c for c in annex if c[:2] not in farm_ch and c not in in_elec], ch99,
        "the lines of the 9903.01.32 list as it stands in HTSUS 2026 Rev 6 outside the farm "
        "chapters 01-24 and 31 and outside the 11 Apr 2025 electronics codes; the text does not "
        "date the lines, so Sep 2025 additions (EO 14346) are included and lines removed before "
        "2026 are not")
    legal, src = _measure(sh, "US-IEEPA-EXEMPT-AG-NOV13")
    add("ag-exempt-nov-2025", "Farm goods exempt from the reciprocal tariff (13 Nov 2025)",
        "Nông sản được miễn thuế đối ứng (từ 13/11/2025)", legal, f"{src} | {ch99}",
        "approximate", [c for c in annex if c[:2] in farm_ch], ch99,
        "the lines of the 9903.01.32 list in chapters 01-24 and 31 (coffee, tea, spices, "
        "tropical fruit and nuts, beef, fertilisers ...); a few were on the April Annex II "
        "already; the partial 9903.02.78 lines are not included")
    legal, src = _measure(sh, "US-232-STEELALU-25-2025")
    add("s232-steel-aluminium", "Section 232 steel and aluminium (2025 scope)",
        "Mục 232: sắt thép và nhôm (phạm vi năm 2025)", legal, src, "approximate",
        ["72", "73", "76"], "tariff_measures.csv US-232-STEELALU-25-2025 hs_scope",
        "whole chapters 72, 73, 76; the derivative annex lines in other chapters are not in "
        "the shared data")
    legal, src = _measure(sh, "US-232-COPPER-2025")
    add("s232-copper", "Section 232 copper (semi-finished products and derivatives)",
        "Mục 232: đồng (bán thành phẩm và sản phẩm dẫn xuất)", legal,
        f"{src} | {TRACKER}/resources/s232_copper_products.csv (US note 36(b))", "complete",
        _dotless(copper["hts10"].tolist()), f"{TRACKER}/resources/s232_copper_products.csv")
    legal, src = _measure(sh, "US-232-AUTOS")
    add("s232-autos", "Section 232 passenger cars and light trucks",
        "Mục 232: ô tô chở người và xe tải nhẹ", legal, f"{src} | {params}", "complete",
        _tracker_prefixes(sh, "autos_passenger") + _tracker_prefixes(sh, "autos_light_trucks"),
        f"{params}.autos_passenger, .autos_light_trucks")
    legal, src = _measure(sh, "US-232-AUTOPARTS")
    add("s232-auto-parts", "Section 232 automobile parts", "Mục 232: phụ tùng ô tô", legal,
        f"{src} | {TRACKER}/resources/s232_auto_parts.txt", "complete", _dotless(parts),
        f"{TRACKER}/resources/s232_auto_parts.txt",
        "the tracker's annex file lists all of heading 8471 (computers), so the group does; "
        "framework-2025.toml does not apply the auto-parts duty to 8471")
    legal, src = _measure(sh, "US-232-SOFTWOOD")
    add("s232-lumber", "Section 232 softwood timber and lumber", "Mục 232: gỗ xẻ và gỗ cây mềm",
        legal, f"{src} | {params}.softwood", "complete", _tracker_prefixes(sh, "softwood"),
        f"{params}.softwood")
    legal, src = _measure(sh, "US-232-UPHOLSTERED")
    legal2, src2 = _measure(sh, "US-232-CABINETS")
    add("s232-wood-furniture", "Section 232 upholstered wooden seats, kitchen cabinets and vanities",
        "Mục 232: ghế gỗ nhồi đệm, tủ bếp và tủ lavabo", f"{legal}; {legal2}",
        f"{src} | {src2} | {params}.wood_furniture, .kitchen_cabinets", "complete",
        _tracker_prefixes(sh, "wood_furniture") + _tracker_prefixes(sh, "kitchen_cabinets"),
        f"{params}.wood_furniture, .kitchen_cabinets")
    legal, src = _measure(sh, "US-232-SEMIS-2026")
    add("s232-semiconductors", "Section 232 advanced computing chips (narrow annex, Jan 2026)",
        "Mục 232: chip máy tính tiên tiến (danh mục hẹp, 01/2026)", legal,
        f"{src} | {TRACKER}/resources/s232_semi_products.csv", "complete",
        _dotless(semis["hts10"].tolist()), f"{TRACKER}/resources/s232_semi_products.csv")
    add("textiles-apparel", "Textiles and apparel (HS section XI, chapters 50-63)",
        "Dệt may (Phần XI, chương 50-63)", "HS nomenclature, section XI",
        "WCO HS nomenclature section structure (as in hs_chapters.csv)", "complete",
        [str(c) for c in range(50, 64)], "HS section XI")
    add("footwear", "Footwear (HS chapter 64)", "Giày dép (chương 64)", "HS nomenclature, chapter 64",
        "WCO HS nomenclature", "complete", ["64"], "HS chapter 64")
    add("furniture", "Furniture: seats and other furniture (HS 94.01, 94.03)",
        "Đồ nội thất: ghế và đồ nội thất khác (nhóm 94.01, 94.03)",
        "HS nomenclature, headings 94.01 and 94.03", "WCO HS nomenclature", "complete",
        ["9401", "9403"], "HS headings 94.01, 94.03",
        "bedding, lamps and prefabricated buildings (94.04-94.06) are not furniture here")
    add("seafood", "Seafood: fish, crustaceans and their preparations (HS 03, 16.04, 16.05)",
        "Thuỷ sản: cá, động vật giáp xác và chế phẩm (chương 03, nhóm 16.04, 16.05)",
        "HS nomenclature, chapter 03 and headings 16.04, 16.05", "WCO HS nomenclature",
        "complete", ["03", "1604", "1605"], "HS chapter 03, headings 16.04, 16.05")
    add("farm-goods", "Farm goods (WTO Agreement on Agriculture, Annex 1)",
        "Nông sản (Hiệp định Nông nghiệp WTO, Phụ lục 1)",
        "WTO Agreement on Agriculture, Annex 1 (product coverage)",
        "WTO Agreement on Agriculture Annex 1 (the same list, 'HS Chapters 1-24 less fish and "
        "fish products plus' 2905.43, 2905.44, 33.01, 35.01-35.05, 3809.10, 3823.60, 41.01-41.03, "
        "43.01, 50.01-50.03, 51.01-51.03, 52.01-52.03, 53.01, 53.02, is reproduced at "
        "treaty.caricom.org/annex-iv-paragraph-2-of-article-117/); 3823.60 of HS 1996 written "
        "as its HS 2022 place 3824.60; the fish lines left out of chapters 05, 15, 16, 23 are "
        "tradesim's reading of 'fish and fish products'", "complete", wto_aoa,
        "WTO AoA Annex 1",
        "HS chapters 1-24 less fish and fish products (chapter 03, 0511.91, 15.04, 16.04, 16.05, "
        "2301.20), plus the listed lines of chapters 29-53 (mannitol, sorbitol, essential oils, "
        "albumins, starches, raw hides, silk, wool, cotton, flax, hemp)")
    add("ai-hardware", "AI hardware: computers and servers, their parts, integrated circuits",
        "Phần cứng AI: máy tính và máy chủ, bộ phận, vi mạch tích hợp",
        "tradesim definition (the 2025 AI-hardware demand boom scope of docs/scenario-format.md)",
        "docs/scenario-format.md [[demand]] example (Census N1 NAICS 334 growth); the Section 232 "
        "semiconductors annex (s232-semiconductors) lies inside it", "complete",
        ["8471", "847330", "8542"], "HS 84.71, 8473.30, 85.42")
    return g


def build_product_groups(sh: Build) -> pd.DataFrame:
    """product_groups.csv, product_group_codes.csv.gz and hs6_weights.csv.gz."""
    h10 = sh.get(HS10_FILE)
    h10 = h10[h10["member_of"] != "EU"].copy()
    h10["value_usd"] = to_int(h10["value_usd"])
    world = h10.groupby("hs10")["value_usd"].sum()
    vn = h10[h10["exporter"] == "VNM"].groupby("hs10")["value_usd"].sum()
    specs = _group_specs(sh)
    rows, codes = [], []
    for s in specs:
        rows.append({k: s[k] for k in ("group", "title_en", "title_vi", "legal", "completeness",
                                       "note", "source")} | {"min_share": f"{MIN_SHARE:.2f}"})
        for code in sorted(set(s["codes"])):  # type: ignore[arg-type]
            if not re.fullmatch(r"\d{2}(\d{2}){0,4}", code):
                raise SystemExit(f"group {s['group']}: malformed code {code!r}")
            fine = len(code) > 6
            codes.append({
                "group": s["group"], "code": code, "hs6": code[:6] if fine else "",
                "vn_usd": str(int(vn[vn.index.str.startswith(code)].sum())) if fine else "",
                "world_usd": str(int(world[world.index.str.startswith(code)].sum())) if fine else "",
                "source": f"{s['code_source']}; covered value: {HS10_SOURCE}" if fine
                else str(s["code_source"])})
    groups = pd.DataFrame(rows)[["group", "title_en", "title_vi", "legal", "completeness",
                                 "min_share", "note", "source"]]
    sh.write_table(groups, "product_groups.csv")
    sh.write_table(pd.DataFrame(codes), "product_group_codes.csv.gz")

    imp = sh.imports_hs6()
    exp = sh.exports_hs6()
    members = sorted(set(imp["hs6"]) | set(exp.loc[exp["year"] == 2024, "hs6"]))  # as the baselines
    w6 = world.groupby(world.index.str[:6]).sum()
    v6 = vn.groupby(vn.index.str[:6]).sum()
    weights = pd.DataFrame({"hs6": members})
    weights["vn_usd"] = weights["hs6"].map(v6).fillna(0).astype("int64").astype(str)
    weights["world_usd"] = weights["hs6"].map(w6).fillna(0).astype("int64").astype(str)
    weights["source"] = HS10_SOURCE + " summed to HS6 (0 = export-only member)"
    sh.write_table(weights, "hs6_weights.csv.gz")
    sh.stats["groups"] = [(s["group"], len(set(s["codes"]))) for s in specs]  # type: ignore[arg-type]
    return groups


# ---------------------------------------------------------------------------------------------
# purchasable items
# ---------------------------------------------------------------------------------------------
S_247_2017 = "247wallst.com/aerospace-defense/2017/03/13/how-much-does-a-boeing-737-cost/ (Boeing 2017 list prices)"
S_IBA = ("juliachencoding.blogspot.com/2025/07/how-much-does-boeing-737-max-cost-in.html (copy of "
         "Simple Flying 2025: market value about USD 55 m for a MAX 8, per IBA Insight)")
S_AVITAS = ("nxtbook.com/nxtbooks/ISTAT/jetrader_summer2021 p.29 (AVITAS BlueBook 1H 2021: new "
            "737 MAX 8 base value about USD 51 m)")
S_HALF = ("airinsight.com/aircraft-pricing-list-vs-market/ ('take the list price and divide by "
          "two', Collateral Verifications market values vs list); theblogbyjavier.com/2014/02/19/"
          "boeing-list-prices-increases-vs-discounts-increases/ (Boeing average discount 47 % in 2013)")
S_STATISTA = ("caranddriverenthusiast.com/?p=155354 (737 MAX 10 list price USD 135.9 m, per "
              "Statista)")
S_VISTARA = ("4-traders.com BOEING-COMPANY ... Vistara-in-deal-for-up-to-ten-Boeing-787-"
             "Dreamliners-26943568 (Reuters: ten 787-9 about USD 2.8 bn at list prices)")
S_UNITED = ("flightglobal.com/news/articles/analysis-appraisers-disagree-on-united-787-values-397392/ "
            "(a new 787-9, 2014: appraised base value USD 146.7 m, lower of mean and median of 3)")
S_787_10 = ("csmonitor.com/Business/Latest-News-Wires/2013/0618/787-Dreamliner-Boeing-gets-orders-"
            "for-new-stretch-model (AP: the 787-10 lists at USD 290 m)")
S_PC = "shared/data/purchase_commitments.csv"
S_POWERMAG = ("powermag.com/ges-new-ha-turbines-nearing-delivery-2/ (USD 1 bn of orders for 15 "
              "7HA/9HA units, 2015)")
S_FUELFIX = ("fuelfix.com/blog/2014/09/29/ge-gets-500m-price-tag-for-gas-turbines-in-texas/ (> USD "
             "500 m for 4 7HA turbines with 2 steam turbines and 6 generators)")
S_LNG = ("lngjournal.com/index.php/unlimited/item/108549 (DOE: 4,579 US cargoes, 14,624.4 bcf, "
         "2016-03..2023-03); flowershow.com.tr/latest/doe-fuel-cost-report-ignores-critical-lng-"
         "supply-shift-484095 (Henry Hub about USD 2.35/MMBtu in Apr 2026; liquefaction tolling "
         "USD 2.00-3.50/MMBtu); offshore-energy.biz (DOE average export price USD 5.35/MMBtu, Sep 2020)")
S_USDA = ("arec.tennessee.edu/?p=2823 (2025-08-29, USDA 'Outlook for U.S. Agricultural Trade', "
          "Aug 2025: FY2025 export value and volume forecasts)")
S_COTTON = ("accio.com/business/cotton_price_trend_in_usa (cotton about USD 0.66/lb on "
            "2025-04-30, per markets.businessinsider.com)")
S_H100 = ("github:epoch-research/training-cost-trends (Raymond James via Barron's: H100 sold for "
          "USD 25,000-30,000; SemiAnalysis: DGX H100 about USD 270,000); awesomeagents.ai/hardware/"
          "nvidia-h100 (USD 25,000-30,000 new)")

#: item, name_en, name_vi, unit_en, unit_vi, product, hs_line, unit_usd, list_usd, price_year,
#: status, method, source
ITEMS = [
    ("boeing-737-max-8", "Boeing 737 MAX 8 (737-8)", "Máy bay Boeing 737 MAX 8 (737-8)",
     "aircraft", "chiếc", "8800", "8802.40", 55.0e6, 110.0e6, 2025, "secondary_report",
     "market value of a new aircraft (IBA, 2025), the typical discounted price; list 110.0 m "
     "(Boeing 2017 list); cross-checks: AVITAS new base value about 51 m (2021), VNA's 2026 order "
     "implies 162 m each at 'list prices' (8.1 bn / 50) and the 2016-19 Vietjet order 125 m",
     f"{S_IBA}; {S_AVITAS}; {S_247_2017}; {S_PC} (Vietnam Airlines 50 x 737-8; Vietjet 200 x 737 MAX)"),
    ("boeing-737-max-10", "Boeing 737 MAX 10 (737-10)", "Máy bay Boeing 737 MAX 10 (737-10)",
     "aircraft", "chiếc", "8800", "8802.40", 68.0e6, 135.9e6, 2025, "estimate",
     "ESTIMATE: 0.5 x list price 135.9 m (the industry rule of thumb that airlines pay about half "
     "of list: Boeing's average discount was 47 % in 2013), rounded; BOC Aviation's 2017 order "
     "for ten valued them at 125 m each at list", f"{S_STATISTA}; {S_HALF}"),
    ("boeing-787-9", "Boeing 787-9 Dreamliner", "Máy bay Boeing 787-9 Dreamliner", "aircraft",
     "chiếc", "8800", "8802.40", 140.0e6, 280.0e6, 2025, "estimate",
     "ESTIMATE: 0.5 x list price 280 m (Vistara's ten 787-9 at 2.8 bn list); cross-check: a new "
     "787-9 was appraised at 146.7 m in 2014 (United EETC); Sun PhuQuoc's 40 x 787-9 at 22.5 bn "
     "'if all options exercised' (562 m each) includes more than airframes",
     f"{S_VISTARA}; {S_HALF}; {S_UNITED}; {S_PC} (Sun PhuQuoc Airways)"),
    ("boeing-787-10", "Boeing 787-10 Dreamliner", "Máy bay Boeing 787-10 Dreamliner", "aircraft",
     "chiếc", "8800", "8802.40", 145.0e6, 290.0e6, 2025, "estimate",
     "ESTIMATE: 0.5 x list price 290 m (the 2013 launch list price; later lists are higher)",
     f"{S_787_10}; {S_HALF}"),
    ("ge-ha-gas-turbine", "Heavy-duty gas turbine, GE Vernova 7HA/9HA class",
     "Tuốc bin khí hạng nặng, lớp GE Vernova 7HA/9HA", "turbine", "tuốc bin", "8411", "8411.82",
     66.7e6, None, 2015, "derived",
     "DERIVED: 1 bn of orders / 15 units (2015); the turbine only, not a power plant; cross-check: "
     "Exelon paid over 500 m for 4 turbines with steam turbines and generators (2014)",
     f"{S_POWERMAG}; {S_FUELFIX}"),
    ("lng-cargo", "LNG cargo, US Gulf, about 3.3 million MMBtu",
     "Chuyến hàng LNG từ vùng Vịnh Hoa Kỳ, khoảng 3,3 triệu MMBtu", "cargo", "chuyến", "271111",
     "2711.11", 16.9e6, None, 2026, "estimate",
     "ESTIMATE: 3.19 bcf per cargo (DOE: 14,624.4 bcf in 4,579 cargoes) x 1.037 MMBtu per Mcf "
     "(EIA's average heat content: a recollection, not checked in a retrieved source) = 3.31 "
     "million MMBtu, x FOB price 5.10/MMBtu = Henry Hub 2.35 (Apr 2026) + 2.75 tolling (mid of "
     "2.00-3.50); DOE's average export price was 5.35 in Sep 2020 and above 11 in 2022-23", S_LNG),
    ("soybeans-tonne", "US soybeans, per tonne", "Đậu tương Hoa Kỳ, mỗi tấn", "tonne", "tấn",
     "1201", "1201.90", 422.0, None, 2025, "derived",
     "DERIVED: USDA FY2025 soybean export forecast 21.5 bn / 51.0 million t = 421.6, rounded",
     S_USDA),
    ("corn-tonne", "US corn (maize), per tonne", "Ngô Hoa Kỳ, mỗi tấn", "tonne", "tấn", "1005",
     "1005.90", 220.0, None, 2025, "derived",
     "DERIVED: USDA FY2025 corn export forecast 15.7 bn / 71.3 million t = 220.2, rounded", S_USDA),
    ("wheat-tonne", "US wheat, per tonne", "Lúa mì Hoa Kỳ, mỗi tấn", "tonne", "tấn", "1001",
     "1001.99", 259.0, None, 2025, "derived",
     "DERIVED: USDA FY2025 wheat export forecast 5.8 bn / 22.4 million t = 258.9, rounded", S_USDA),
    ("soybean-meal-tonne", "US soybean meal, per tonne", "Khô dầu đậu tương Hoa Kỳ, mỗi tấn",
     "tonne", "tấn", "2304", "2304.00", 385.0, None, 2025, "derived",
     "DERIVED: Khai Anh Binh Thuan - AGP MOU, 1,000,000 t for 385 m (June 2025)",
     f"{S_PC} (Khai Anh Binh Thuan JSC, Ag Processing Inc)"),
    ("cotton-tonne", "US raw cotton, per tonne", "Bông thô Hoa Kỳ, mỗi tấn", "tonne", "tấn",
     "5201", "5201.00", 1455.0, None, 2025, "estimate",
     "ESTIMATE: 0.66 USD/lb (cotton price, 30 Apr 2025) x 2,204.62 lb/t = 1,455; a futures "
     "price, not the export unit value", S_COTTON),
    ("nvidia-h100-gpu", "Nvidia H100 GPU (data-centre accelerator)",
     "GPU Nvidia H100 (bộ tăng tốc trung tâm dữ liệu)", "unit", "chiếc", "847330", "8473.30",
     27500.0, None, 2023, "estimate",
     "ESTIMATE: mid-point of the reported 25,000-30,000 selling price; GPU boards enter as parts "
     "of computers (8473.30), bare processors as 8542.31", S_H100),
    ("nvidia-dgx-h100-server", "Nvidia DGX H100 server (8 GPUs)",
     "Máy chủ Nvidia DGX H100 (8 GPU)", "server", "máy", "8471", "8471.50", 270000.0, None, 2023,
     "secondary_report", "SemiAnalysis's estimate of the DGX H100 sale price (2023); HGX systems "
     "were quoted at about 310,000 in 2024", S_H100),
]


def build_purchase_items(sh: Build) -> pd.DataFrame:
    """purchase_items.csv: purchasable items with their unit price, HS line and sources."""
    cols = ["item", "name_en", "name_vi", "unit_en", "unit_vi", "product", "hs_line",
            "unit_usd", "list_usd", "price_year", "status", "method", "source"]
    rows = []
    for it in ITEMS:
        r = dict(zip(cols, it, strict=True))
        r["unit_usd"] = f"{float(r['unit_usd']):.2f}"  # type: ignore[arg-type]
        r["list_usd"] = "" if r["list_usd"] is None else f"{float(r['list_usd']):.2f}"  # type: ignore[arg-type]
        r["price_year"] = str(r["price_year"])
        rows.append(r)
    out = pd.DataFrame(rows, columns=cols)
    if out["item"].duplicated().any() or not out["item"].str.fullmatch(r"[a-z0-9][a-z0-9-]*").all():
        raise SystemExit("purchase_items: item names must be unique lowercase-dash ids")
    sh.write_table(out, "purchase_items.csv")
    return out


# ---------------------------------------------------------------------------------------------
# names
# ---------------------------------------------------------------------------------------------
def _sentence(text: str) -> str:
    """Official upper-case titles set in sentence case (``PLASTIC`` stays readable)."""
    return text[:1] + text[1:].lower()


def build_names(sh: Build) -> pd.DataFrame:
    """hs_names.csv (sections, chapters, split lines) and supplier_names.csv."""
    rows = []
    for sec, _lo, _hi, en in HS_SECTIONS:
        vi = VN_SECTIONS.get(sec)
        rows.append({"code": sec, "level": "section", "name_en": en,
                     "name_vi": _sentence(vi) if vi else VN_SECTION_XXII,
                     "source_en": "WCO HS nomenclature section structure",
                     "source_vi": VN_NOMENCLATURE_SHORT if vi else NOT_OFFICIAL})
    names = pd.concat([sh.vn_chapters(), sh.vn_chapters_alt()])
    names = names[names["description"] != ""].sort_values(["hs2", "year"])
    census = names.groupby("hs2")["description"].last().to_dict()
    for n in sorted(set(VN_CHAPTERS) | set(VN_CHAPTERS_OWN)):
        code = f"{n:02d}"
        if code not in census:
            continue
        official = n in VN_CHAPTERS
        source_vi = VN_NOMENCLATURE_SHORT if official else NOT_OFFICIAL
        if n in HS2022_NOTE:
            source_vi += f"; {HS2022_NOTE[n]}"
        rows.append({"code": code, "level": "chapter", "name_en": census[code],
                     "name_vi": _sentence(VN_CHAPTERS[n]) if official else VN_CHAPTERS_OWN[n],
                     "source_en": "Census chapter description in us_vn_trade_by_chapter.csv "
                                  "(S1/S2/S3)", "source_vi": source_vi})
    splits = sh.out / "product_splits.csv"  # the committed file keeps contributors' rows
    splits = read_csv(splits if splits.exists() else OUT / "product_splits.csv")
    for code, en in zip(splits["code"], splits["name"], strict=True):
        if code not in VN_LINES:
            raise SystemExit(f"split line {code} has no Vietnamese name in catalogues.VN_LINES")
        rows.append({"code": code, "level": "line", "name_en": en, "name_vi": VN_LINES[code],
                     "source_en": "product_splits.csv (tradesim's name of the split line)",
                     "source_vi": NOT_OFFICIAL})
    out = pd.DataFrame(rows)
    out = out.rename(columns={"source_en": "source"})[
        ["code", "level", "name_en", "name_vi", "source", "source_vi"]]  # source: of name_en
    sh.write_table(out, "hs_names.csv")
    sup = pd.DataFrame([(c, en, vi) for c, (en, vi) in sorted(SUPPLIERS.items())],
                       columns=["code", "name_en", "name_vi"])
    sup["source"] = (f"en: common English short name (ISO 3166 / Census); vi: {NOT_OFFICIAL}")
    sh.write_table(sup, "supplier_names.csv")
    sh.stats["names"] = (len(out), int((out["source_vi"] == NOT_OFFICIAL).sum()), len(sup))
    return out


def sources_md(sh: Build) -> str:
    """The SOURCES.md section on the catalogues."""
    groups = "\n".join(f"| `@{g}` | {n} |" for g, n in sh.stats.get("groups", []))
    n_names, n_own, n_sup = sh.stats.get("names", (0, 0, 0))
    return f"""
## Catalogues: product groups, purchasable items, names (`tools/package_data/catalogues.py`)

### `product_groups.csv` — `group,title_en,title_vi,legal,completeness,min_share,note,source`
### `product_group_codes.csv.gz` — `group,code,hs6,vn_usd,world_usd,source`
### `hs6_weights.csv.gz` — `hs6,vn_usd,world_usd,source`
Named HS scopes usable as `products = ["@name"]` / `exclude = ["@name"]` in scenario files. Each
group keeps its codes as the legal source lists them (HS2 to HTS10, dots removed); for every code
finer than HS6 the 2024 US imports it covers are stored (from Vietnam, `vn_usd`, and from the 50
named suppliers of `{HS10_FILE}`, `world_usd`, S5 Census imports for consumption). `hs6_weights`
holds the same totals per HS6 for every HS6 member of the packaged baselines (0 for export-only
members). At run time `tradesim.data.catalogues.expand_group` puts a group on a product axis: a
product joins the group when at least `min_share` = {MIN_SHARE:.0%} of its 2024 US imports from
Vietnam are on the list (from the 50 suppliers where Vietnam sold none; by member count where
nobody did), and the joined products are written as the shortest HS prefixes that cover them.

Sources: the Apr 11 2025 electronics list from `tariff_scopes.csv` (complete); the 9903.01.32 list
parsed from `{CH99}` (US note 2(v)(iii)(a)), split into `annex-ii-2025` (chapters 25-97 except 31,
without the electronics codes) and `ag-exempt-nov-2025` (chapters 01-24 and 31) — the text does
not date its lines, so that split is an approximation; Section 232 lists from the Budget Lab
tariff-rate-tracker resources and `policy_params.yaml` (MIT); chapter-defined groups from the HS;
`farm-goods` from the WTO Agreement on Agriculture, Annex 1 (transcribed, see its `source`).
Legal instrument and citation URLs per group come from the `tariff_measures.csv` rows named in
`source`.

| group | codes |
|---|---:|
{groups}

### `purchase_items.csv` — `item,name_en,name_vi,unit_en,unit_vi,product,hs_line,unit_usd,list_usd,price_year,status,method,source`
Items a commitment can name (`item = "boeing-737-max-8"`, `units = 50`). `unit_usd` is the
typical transaction price used for the value; `status` says what it is (`secondary_report`,
`derived` from two sourced figures, or `estimate` with its method in `method`); `list_usd` is the
list price where one is published. `product` is the code the commitment lands on (US exports of
civil aircraft are recorded under the Schedule B aggregate 8800, see `product_splits.csv`);
`hs_line` the tariff line the goods enter under.

### `hs_names.csv` — `code,level,name_en,name_vi,source,source_vi` (`source` is the English name's)
### `supplier_names.csv` — `code,name_en,name_vi,source`
{n_names} names: HS sections, chapters and the split lines of the mixed axis. Vietnamese section
and chapter titles: {VN_NOMENCLATURE}. The {n_own} names marked `{NOT_OFFICIAL}` (split lines,
section XXII and the US national chapters 98-99) are tradesim's own. HS6 products take their
English name from `hs6_names.csv.gz` and a Vietnamese name composed at run time from the
official chapter title ("Phân nhóm 8471.30 — …", marked not official). {n_sup} suppliers, English
and Vietnamese ({NOT_OFFICIAL} for the Vietnamese).
"""
