"""Just enough user-agent parsing to describe the reporter's environment (browser, OS, device class)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_BROWSERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("Edge", re.compile(r"\bEdg(?:e|A|iOS)?/(\d+(?:\.\d+)?)")),
    ("Opera", re.compile(r"\b(?:OPR|Opera)/(\d+(?:\.\d+)?)")),
    ("Samsung Internet", re.compile(r"\bSamsungBrowser/(\d+(?:\.\d+)?)")),
    ("Firefox", re.compile(r"\b(?:Firefox|FxiOS)/(\d+(?:\.\d+)?)")),
    ("Chrome", re.compile(r"\b(?:Chrome|CriOS)/(\d+(?:\.\d+)?)")),
    ("Safari", re.compile(r"\bVersion/(\d+(?:\.\d+)?)(?:\.\d+)*(?: Mobile/\w+)? Safari/")),
)
_IOS = re.compile(r"\((?:iPhone|iPad|iPod)[^)]*?OS (\d+)[_.](\d+)")
_ANDROID = re.compile(r"Android (\d+(?:\.\d+)?)")
_WINDOWS = re.compile(r"Windows NT (\d+\.\d+)")
_MAC = re.compile(r"Mac OS X (\d+)[_.](\d+)")
_TABLET = re.compile(r"iPad|Tablet|Kindle|Silk|PlayBook", re.I)
_MOBILE = re.compile(r"Mobi|iPhone|iPod|Windows Phone|Opera Mini|IEMobile|BlackBerry", re.I)


@dataclass(frozen=True)
class Environment:
    browser: str | None = None
    browser_version: str | None = None
    os: str | None = None
    os_version: str | None = None
    device: str | None = None  # mobile | tablet | desktop
    viewport: str | None = None  # "390×844"
    pixel_ratio: float | None = None

    @property
    def is_touch(self) -> bool:
        return self.device in ("mobile", "tablet")

    def browser_text(self) -> str | None:
        if not self.browser:
            return None
        return f"{self.browser} {self.browser_version}" if self.browser_version else self.browser

    def os_text(self) -> str | None:
        if not self.os:
            return None
        return f"{self.os} {self.os_version}" if self.os_version else self.os

    def short(self) -> str | None:
        """ "iOS Safari", "Android Chrome", "Firefox on Windows"."""
        if self.os in ("iOS", "iPadOS", "Android") and self.browser:
            return f"{self.os} {self.browser}"
        if self.browser and self.os:
            return f"{self.browser} on {self.os}"
        return self.browser or self.os

    def describe(self) -> str | None:
        parts = []
        browser, os_ = self.browser_text(), self.os_text()
        if browser and os_:
            parts.append(f"{browser} on {os_}")
        elif browser or os_:
            parts.append(browser or os_ or "")
        if self.device:
            parts.append(self.device)
        if self.viewport:
            ratio = f" @{self.pixel_ratio:g}x" if self.pixel_ratio and self.pixel_ratio != 1 else ""
            parts.append(f"viewport {self.viewport}{ratio}")
        return ", ".join(p for p in parts if p) or None


def parse_user_agent(ua: str) -> Environment:
    browser = version = None
    for name, pattern in _BROWSERS:
        match = pattern.search(ua)
        if match:
            browser, version = name, match.group(1)
            break
    os_ = os_version = None
    if match_ios := _IOS.search(ua):
        os_ = "iPadOS" if "iPad" in ua else "iOS"
        os_version = f"{match_ios.group(1)}.{match_ios.group(2)}"
    elif match_android := _ANDROID.search(ua):
        os_, os_version = "Android", match_android.group(1)
    elif match_windows := _WINDOWS.search(ua):
        os_ = "Windows"
        os_version = {"10.0": "10/11", "6.3": "8.1", "6.2": "8", "6.1": "7"}.get(match_windows.group(1))
    elif "CrOS" in ua:
        os_ = "ChromeOS"
    elif match_mac := _MAC.search(ua):
        os_, os_version = "macOS", f"{match_mac.group(1)}.{match_mac.group(2)}"
    elif "Linux" in ua:
        os_ = "Linux"
    if _TABLET.search(ua) or (os_ == "Android" and "Mobile" not in ua):
        device = "tablet"
    elif _MOBILE.search(ua) or os_ == "Android":
        device = "mobile"
    elif ua.strip():
        device = "desktop"
    else:
        device = None
    return Environment(browser, version, os_, os_version, device)


def _size(value: Any) -> str | None:
    if isinstance(value, dict):
        width, height = value.get("width"), value.get("height")
        if isinstance(width, int | float) and isinstance(height, int | float):
            return f"{int(width)}×{int(height)}"
    return None


def environment(browser_info: dict[str, Any] | None) -> Environment:
    """The environment from a widget's ``browser_info``: explicit fields win over the user agent."""
    info = browser_info or {}
    ua = str(info.get("user_agent") or info.get("userAgent") or "")
    parsed = parse_user_agent(ua) if ua else Environment()
    device = str(info.get("device_type") or "").lower() or parsed.device
    if device not in ("mobile", "tablet", "desktop"):
        device = parsed.device
    viewport = _size(info.get("viewport"))
    if viewport and device in (None, "desktop") and not ua:
        width = int(viewport.split("×")[0])
        device = "mobile" if width < 768 else device
    ratio = info.get("device_pixel_ratio")
    return Environment(
        browser=str(info.get("browser")) if info.get("browser") else parsed.browser,
        browser_version=str(info.get("browser_version"))
        if info.get("browser_version")
        else parsed.browser_version,
        os=str(info.get("os")) if info.get("os") else parsed.os,
        os_version=str(info.get("os_version")) if info.get("os_version") else parsed.os_version,
        device=device,
        viewport=viewport,
        pixel_ratio=float(ratio) if isinstance(ratio, int | float) else None,
    )
