"""1109 数据备份: streamed AES-256-GCM encryption of backup files, chunk by chunk, and SHA-256 of files.

File layout (all integers big-endian)::

    magic  b"SHEBAOBK1\\n"          10 bytes
    salt   16 bytes                  HKDF-SHA256 salt: the file key is derived from SHEBAO_BACKUP_KEY and the salt
    prefix 8 bytes                   nonce prefix; each chunk's nonce is prefix + 4-byte chunk number
    chunks [4-byte length][ciphertext + 16-byte tag] ...

Each chunk is authenticated with the header, its number and whether it is the last one (associated data), so a
changed byte, reordered chunks, a truncated file or a wrong key all fail to decrypt. Memory use is one chunk.
"""

from __future__ import annotations

import hashlib
import os
import struct
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from shebao.core.errors import ApplicationError

MAGIC = b"SHEBAOBK1\n"
CHUNK = 4 * 1024 * 1024
_HEADER = len(MAGIC) + 16 + 8
_MIN_KEY = 16


def _file_key(secret: str, salt: bytes) -> bytes:
    if len(secret or "") < _MIN_KEY:
        raise ApplicationError(f"备份加密密钥 SHEBAO_BACKUP_KEY 未设置或过短（至少{_MIN_KEY}个字符）", field="encrypt")
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=b"shebao-backup-v1")
    return hkdf.derive(secret.encode("utf-8"))


def check_secret(secret: str) -> None:
    """Refuse a missing or short key (before any work is done)."""
    _file_key(secret, b"\0" * 16)


def _aad(header: bytes, number: int, last: bool) -> bytes:
    return header + struct.pack(">I?", number, last)


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def is_encrypted(path: Path) -> bool:
    """Does the file start with the encrypted backup header?"""
    with open(path, "rb") as fh:
        return fh.read(len(MAGIC)) == MAGIC


def encrypt_file(src: Path, dst: Path, *, secret: str, chunk: int = CHUNK) -> None:
    """Encrypt `src` into `dst` chunk by chunk (never the whole file in memory)."""
    salt, prefix = os.urandom(16), os.urandom(8)
    header = MAGIC + salt + prefix
    aead = AESGCM(_file_key(secret, salt))
    with open(src, "rb") as fin, open(dst, "wb") as fout:
        fout.write(header)
        number = 0
        block = fin.read(chunk)
        while True:
            following = fin.read(chunk) if block else b""
            last = not following
            sealed = aead.encrypt(prefix + struct.pack(">I", number), block, _aad(header, number, last))
            fout.write(struct.pack(">I", len(sealed)) + sealed)
            if last:
                break
            block, number = following, number + 1


def decrypt_file(src: Path, dst: Path, *, secret: str) -> None:
    """Decrypt `src` into `dst` chunk by chunk; a wrong key, a changed byte or a truncated file is refused."""
    refused = "备份文件解密失败：密钥错误，或文件已被篡改、截断"
    with open(src, "rb") as fin:
        header = fin.read(_HEADER)
        if len(header) != _HEADER or not header.startswith(MAGIC):
            raise ApplicationError("备份文件不是加密备份格式", field="file")
        salt, prefix = header[len(MAGIC) : len(MAGIC) + 16], header[len(MAGIC) + 16 :]
        aead = AESGCM(_file_key(secret, salt))
        number, finished = 0, False
        with open(dst, "wb") as fout:
            while True:
                size_bytes = fin.read(4)
                if not size_bytes:
                    break
                if finished or len(size_bytes) != 4:
                    raise ApplicationError(refused, field="file")
                (size,) = struct.unpack(">I", size_bytes)
                sealed = fin.read(size)
                if len(sealed) != size:
                    raise ApplicationError(refused, field="file")
                nonce = prefix + struct.pack(">I", number)
                try:
                    plain = aead.decrypt(nonce, sealed, _aad(header, number, True))
                    finished = True
                except InvalidTag:
                    try:
                        plain = aead.decrypt(nonce, sealed, _aad(header, number, False))
                    except InvalidTag:
                        raise ApplicationError(refused, field="file") from None
                fout.write(plain)
                number += 1
        if not finished:
            raise ApplicationError(refused, field="file")
