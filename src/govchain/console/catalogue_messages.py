"""The catalogue's labels of a locker's messages page, in both languages.

Kept apart from ``catalogue`` (which merges them into its tables) so the labels of the
messages page sit together; the unit tests check both languages hold the same keys.
"""

from __future__ import annotations

__all__ = ["MESSAGES_EN", "MESSAGES_ZH"]

MESSAGES_ZH: dict[str, str] = {
    "messages.title": "消息",
    "messages.link": "消息收件箱",
    "messages.back": "返回保险箱",
    "messages.explain": "选择您的账户密钥文件并输入保险箱口令：收件箱的读取在本浏览器中签名，"
    "消息在本浏览器中用保险箱私钥解密，密钥文件、口令和消息内容都不会发送到控制台。"
    "消息是密封的：打开之前只能看到发件人、收到时间和是否已读。",
    "messages.password": "保险箱口令（打开消息时使用）",
    "messages.unlock": "签名并读取收件箱",
    "messages.working": "正在签名并读取收件箱……",
    "messages.failed": "无法读取收件箱",
    "messages.received": "收到时间",
    "messages.sender": "发件人",
    "messages.state": "状态",
    "messages.open": "打开",
    "messages.read": "已读",
    "messages.unread": "未读",
    "messages.none": "收件箱中没有消息",
    "messages.count": "共 {n} 条消息，最新的在前",
    "messages.unanswered": "以下存储节点没有应答，其中的消息未列出：",
    "messages.sent": "发送时间（发件人时钟）",
    "messages.kind": "类型",
    "messages.name": "文件名",
    "messages.body": "内容",
    "messages.file": "附件",
    "messages.opening": "正在签名、获取并在本机解密……",
    "messages.opened": "已在本机解密，已读回执已发送",
    "messages.open_failed": "无法打开消息",
    "messages.need_password": "请输入保险箱口令",
    "messages.sender_mismatch": "消息内容中的发件人与存储节点记录的发件人不一致，未显示",
    "messages.kind.text": "文本",
    "messages.kind.file": "文件",
    "messages.kind.reminder": "提醒",
}

MESSAGES_EN: dict[str, str] = {
    "messages.title": "Messages",
    "messages.link": "Messages inbox",
    "messages.back": "Back to the locker",
    "messages.explain": "Pick your account key file and give your locker password: the inbox "
    "reads are signed in this browser and messages are decrypted here with the locker key; "
    "neither the key file, the password nor a message's content is sent to the console. "
    "Messages are sealed: until one is opened only its sender, arrival and read state show.",
    "messages.password": "Locker password (to open messages)",
    "messages.unlock": "Sign and read the inbox",
    "messages.working": "Signing and reading the inbox...",
    "messages.failed": "The inbox could not be read",
    "messages.received": "Received",
    "messages.sender": "Sender",
    "messages.state": "State",
    "messages.open": "Open",
    "messages.read": "read",
    "messages.unread": "unread",
    "messages.none": "No message in this inbox",
    "messages.count": "{n} messages, newest first",
    "messages.unanswered": "These storage nodes did not answer; their messages are not listed:",
    "messages.sent": "Sent (sender's clock)",
    "messages.kind": "Kind",
    "messages.name": "File name",
    "messages.body": "Body",
    "messages.file": "Attachment",
    "messages.opening": "Signing, fetching and decrypting on this machine...",
    "messages.opened": "Decrypted on this machine; read receipt sent",
    "messages.open_failed": "The message could not be opened",
    "messages.need_password": "Please give the locker password",
    "messages.sender_mismatch": "The sender inside the message is not the one the storage "
    "node recorded: not shown",
    "messages.kind.text": "text",
    "messages.kind.file": "file",
    "messages.kind.reminder": "reminder",
}
