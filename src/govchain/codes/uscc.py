"""GB 32100-2015 统一社会信用代码: the unified social credit code of an organization.

Eighteen characters from ``0-9A-HJ-NPQRTUWXY`` (no I, O, S, V, Z):

=========  ===========================================================
position   part
=========  ===========================================================
1          registration authority (登记管理部门代码)
2          organization category within that authority (机构类别代码)
3-8        administrative region of the registering office (GB/T 2260)
9-17       subject code: a GB 11714 organization code, 8 characters
           and its own MOD 11 check character
18         check character: weights 3^(i-1) mod 31 over positions 1-17
=========  ===========================================================

Credit codes are public: an enterprise carries its code in clear (F-B3). The
checks here are structural; whether a code was ever assigned is a question
for the registering authority.
"""

from __future__ import annotations

from dataclasses import dataclass

from govchain.codes.errors import CodeError, CodeKind

__all__ = [
    "REGISTRATION_AUTHORITIES",
    "USCC_ALPHABET",
    "USCC_LENGTH",
    "CreditCode",
    "check_uscc",
    "org_code_check_character",
    "parse_uscc",
    "uscc_check_character",
]

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
"""The 31 characters of a credit code; a character's value is its index (Y = 30)."""

USCC_LENGTH = 18

REGISTRATION_AUTHORITIES: dict[str, tuple[str, dict[str, str]]] = {
    "1": (
        "机构编制",
        {"1": "机关", "2": "事业单位", "3": "中央编办直接管理机构编制的群众团体", "9": "其他"},
    ),
    "2": ("外交", {"1": "外国常驻新闻机构", "9": "其他"}),
    "3": (
        "司法行政",
        {
            "1": "律师执业机构",
            "2": "公证处",
            "3": "基层法律服务所",
            "4": "司法鉴定机构",
            "5": "仲裁委员会",
            "9": "其他",
        },
    ),
    "4": ("文化", {"1": "外国在华文化中心", "9": "其他"}),
    "5": ("民政", {"1": "社会团体", "2": "民办非企业单位", "3": "基金会", "9": "其他"}),
    "6": (
        "旅游",
        {
            "1": "外国旅游部门常驻代表机构",
            "2": "港澳台地区旅游部门常驻内地(大陆)代表机构",
            "9": "其他",
        },
    ),
    "7": ("宗教", {"1": "宗教活动场所", "2": "宗教院校", "9": "其他"}),
    "8": ("工会", {"1": "基层工会", "9": "其他"}),
    "9": ("工商", {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"}),
    "A": ("中央军委改革和编制办公室", {"1": "军队事业单位", "9": "其他"}),
    "N": (
        "农业",
        {"1": "组级集体经济组织", "2": "村级集体经济组织", "3": "乡镇级集体经济组织", "9": "其他"},
    ),
    "Y": ("其他", {"1": "其他"}),
}
"""Registration authority code -> (authority, {category code: category}).

GB 32100-2015 table 1 with the authorities and categories assigned under it
since (外交, 司法行政, 文化, 旅游, 宗教, 工会, 中央军委改革和编制办公室, 农业).
"""

_DIGITS = "0123456789"
_ORG_CODE_VALUES = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(USCC_LENGTH - 1))


@dataclass(frozen=True)
class CreditCode:
    """A credit code split into its GB 32100 parts (build it with :func:`parse_uscc`)."""

    registration_authority: str
    category: str
    region: str
    org_code: str
    check_character: str

    @property
    def text(self) -> str:
        """The 18-character code."""
        return (
            self.registration_authority
            + self.category
            + self.region
            + self.org_code
            + self.check_character
        )

    @property
    def authority_name(self) -> str:
        """The registration authority's name (e.g. 工商)."""
        return REGISTRATION_AUTHORITIES[self.registration_authority][0]

    @property
    def category_name(self) -> str:
        """The organization category's name (e.g. 企业)."""
        return REGISTRATION_AUTHORITIES[self.registration_authority][1][self.category]

    def validate(self) -> None:
        """Raise :class:`CodeError` naming the first check the code fails."""
        check_uscc(self.text)


def org_code_check_character(body: str) -> str:
    """The GB 11714 check character of an 8-character organization code body.

    Values: digits 0-9, letters A = 10 .. Z = 35; weights 3, 7, 9, 10, 5, 8, 4, 2;
    check = 11 - (sum mod 11), written ``X`` for 10 and ``0`` for 11. Raises
    ``ValueError`` when ``body`` is not 8 characters of ``0-9A-Z``.
    """
    if len(body) != len(_ORG_CODE_WEIGHTS) or any(c not in _ORG_CODE_VALUES for c in body):
        raise ValueError("an organization code body is 8 characters of 0-9A-Z")
    total = sum(_ORG_CODE_VALUES.index(c) * w for c, w in zip(body, _ORG_CODE_WEIGHTS, strict=True))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def uscc_check_character(first17: str) -> str:
    """The GB 32100 check character of the first 17 characters of a credit code.

    check value = 31 - (sum of value_i * 3^(i-1) mod 31, mod 31), and 0 for 31.
    Raises ``ValueError`` when ``first17`` is not 17 credit-code characters.
    """
    if len(first17) != len(_USCC_WEIGHTS) or any(c not in USCC_ALPHABET for c in first17):
        raise ValueError("give the first 17 characters of a credit code")
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def _fail(check: str, message: str, position: int | None = None) -> CodeError:
    return CodeError(CodeKind.USCC, check, f"credit code: {message}", position)


def check_uscc(code: str) -> None:
    """Raise :class:`CodeError` naming the first GB 32100 check ``code`` fails.

    The checks, in order: ``length`` (18), ``alphabet`` (upper case
    ``0-9A-HJ-NPQRTUWXY``), ``registration_authority`` (position 1),
    ``category`` (position 2, within its authority), ``region`` (positions
    3-8 are digits), ``org_code_check`` (position 17 is the GB 11714 check of
    positions 9-16), ``check_character`` (position 18).
    """
    if len(code) != USCC_LENGTH:
        raise _fail("length", f"has {len(code)} characters, not {USCC_LENGTH}")
    for position, character in enumerate(code, start=1):
        if character not in USCC_ALPHABET:
            raise _fail(
                "alphabet",
                f"character {position} is not one of 0-9A-HJ-NPQRTUWXY (upper case)",
                position,
            )
    authority = REGISTRATION_AUTHORITIES.get(code[0])
    if authority is None:
        raise _fail("registration_authority", "character 1 is no registration authority", 1)
    if code[1] not in authority[1]:
        raise _fail("category", f"character 2 is no organization category of {authority[0]}", 2)
    for position in range(3, 9):
        if code[position - 1] not in _DIGITS:
            raise _fail(
                "region", f"character {position} of the region code is not a digit", position
            )
    if org_code_check_character(code[8:16]) != code[16]:
        raise _fail(
            "org_code_check", "character 17 is not the GB 11714 check of the organization code", 17
        )
    if uscc_check_character(code[:17]) != code[17]:
        raise _fail("check_character", "character 18 is not the GB 32100 check character", 18)


def parse_uscc(code: str) -> CreditCode:
    """Check ``code`` (see :func:`check_uscc`) and split it into its parts."""
    check_uscc(code)
    return CreditCode(code[0], code[1], code[2:8], code[8:17], code[17])
