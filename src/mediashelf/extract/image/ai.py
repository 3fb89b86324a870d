"""Generation metadata of AI images, normalized into the `ai_*` and prompt fields.

Inputs are what the image carries as text (PNG text chunks, the EXIF UserComment,
XMP and EXIF descriptions), its file name, and its C2PA claim generator.  Each
tool has its own reader; the first that recognises the data wins.  The raw data
is kept, bounded, in `extra["ai_raw"]`.
"""

from __future__ import annotations

import itertools
import json
import re
import shlex
from dataclasses import dataclass, field
from typing import Any, Final

from mediashelf.extract.image.c2pa import c2pa_tool
from mediashelf.extract.image.comfyui import api_graph, model_name, read_graph, workflow_graph

#: each raw text kept in extra["ai_raw"] is cut to this many characters
MAX_RAW: Final = 32 * 1024
#: ... and all of them together to this many
MAX_RAW_TOTAL: Final = 96 * 1024
#: JSON documents larger than this are not parsed
MAX_JSON: Final = 4 << 20
INT64_MIN: Final = -(1 << 63)
INT64_MAX: Final = (1 << 63) - 1

#: text chunk keys that carry generation data, kept raw
_RAW_KEYS: Final = (
    "parameters",
    "prompt",
    "workflow",
    "invokeai_metadata",
    "sd-metadata",
    "Dream",
    "Comment",
    "Description",
    "Source",
)


@dataclass(slots=True)
class AiResult:
    fields: dict[str, object] = field(default_factory=dict)
    extra: dict[str, object] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def _json(text: str, what: str, out: AiResult) -> Any:
    if len(text) > MAX_JSON:
        out.warnings.append(f"{what}: JSON of {len(text)} characters not parsed")
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as e:
        out.warnings.append(f"{what}: malformed JSON ({str(e)[:120]})")
        return None


def read_ai(
    texts: dict[str, str], name: str, user_comment: str | None, c2pa: str | None
) -> AiResult:
    """The AI fields found in an image's texts, file name or C2PA generator."""
    out = AiResult()
    raw: dict[str, str] = {}
    budget = MAX_RAW_TOTAL
    for key in _RAW_KEYS:
        value = texts.get(key)
        if value and budget > 0:
            raw[key] = value[: min(MAX_RAW, budget)]
            budget -= len(raw[key])
    found: dict[str, object] | None = None
    if texts.get("prompt", "").lstrip().startswith("{") or "workflow" in texts:
        found = _comfyui(texts, out)
    if found is None and ("invokeai_metadata" in texts or "sd-metadata" in texts):
        found = _invokeai(texts, out)
    if found is None and "Dream" in texts:
        found = _dream(texts["Dream"])
    if found is None and (
        texts.get("Software") == "NovelAI" or "NovelAI" in texts.get("Source", "")
    ):
        found = _novelai(texts, out)
    if found is None:
        parameters = texts.get("parameters")
        if parameters is None and user_comment and "Steps: " in user_comment:
            parameters = user_comment
            raw["parameters"] = user_comment[:MAX_RAW]
        if parameters:
            found = parse_a1111(parameters)
    if found is None:
        found = _midjourney(texts)
    if found is None:
        found = from_name(name)
    if found is None and c2pa:
        tool = c2pa_tool(c2pa)
        if tool:
            found = {"ai_tool": tool}
    if found is None:
        return out
    if raw:
        out.extra["ai_raw"] = raw
    _normalize(found, out)
    return out


def _normalize(found: dict[str, object], out: AiResult) -> None:
    f = out.fields
    for key in ("ai_tool", "ai_model", "ai_model_hash", "prompt", "negative_prompt", "sampler"):
        value = found.get(key)
        if isinstance(value, str) and value.strip():
            f[key] = value.strip()[: MAX_RAW if "prompt" in key else 512]
    seed = _int(found.get("seed"))
    if seed is not None:
        if INT64_MIN <= seed <= INT64_MAX:
            f["seed"] = seed
        else:
            out.extra["ai_seed"] = str(seed)
    steps = _int(found.get("steps"))
    if steps is not None and 0 < steps < 100_000:
        f["steps"] = steps
    cfg = _float(found.get("cfg_scale"))
    if cfg is not None and -1000 < cfg < 1000:
        f["cfg_scale"] = cfg
    loras = found.get("loras")
    if isinstance(loras, list):
        names = [str(x)[:256] for x in loras if isinstance(x, str) and x.strip()][:100]
        if names:
            f["loras"] = names
    scheduler = found.get("_scheduler")
    if isinstance(scheduler, str) and scheduler:
        out.extra["ai_scheduler"] = scheduler[:256]
    for key, value in found.items():
        if key.startswith("x:") and value is not None:
            out.extra["ai_" + key[2:]] = (
                value if isinstance(value, int | float) else str(value)[:4096]
            )


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d{1,40}\s*", value):
        return int(value)
    return None


def _float(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


# -- Automatic1111 / Forge ----------------------------------------------------------------

_PARAM = re.compile(r'\s*([\w ][\w \-/]*):\s*("(?:\\.|[^\\"])*"|[^,]*)(?:,|$)')
_LORA = re.compile(r"<(?:lora|lyco):([^:>]+)(?::[^>]*)?>", re.IGNORECASE)
_FORGE_VERSION = re.compile(r"^f\d")


def parse_a1111(text: str) -> dict[str, object] | None:
    """Automatic1111's infotext: prompt, `Negative prompt: …`, then `Steps: …, Seed: …`."""
    lines = text.strip().split("\n")
    settings_at = None
    for i in range(len(lines) - 1, -1, -1):
        if "Steps: " in lines[i] and _PARAM.match(lines[i]):
            settings_at = i
            break
    if settings_at is None:
        return None
    params: dict[str, str] = {}
    for m in _PARAM.finditer(lines[settings_at]):
        key, value = m[1].strip(), m[2].strip()
        if value.startswith('"') and value.endswith('"') and len(value) >= 2:
            value = value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        if key and key not in params:
            params[key] = value
    prompt_lines: list[str] = []
    negative_lines: list[str] = []
    target = prompt_lines
    for line in lines[:settings_at]:
        if line.startswith("Negative prompt:"):
            target = negative_lines
            line = line[len("Negative prompt:") :]
        target.append(line)
    prompt = "\n".join(prompt_lines).strip()
    version = params.get("Version", "")
    tool = (
        "forge" if _FORGE_VERSION.match(version) or "forge" in version.lower() else "automatic1111"
    )
    loras = [m[1].strip() for m in _LORA.finditer(prompt)]
    for part in params.get("Lora hashes", "").split(","):
        lora = part.split(":", 1)[0].strip()
        if lora:
            loras.append(lora)
    found: dict[str, object] = {
        "ai_tool": tool,
        "prompt": prompt,
        "negative_prompt": "\n".join(negative_lines).strip(),
        "steps": params.get("Steps"),
        "sampler": params.get("Sampler"),
        "cfg_scale": params.get("CFG scale"),
        "seed": params.get("Seed"),
        "ai_model": params.get("Model"),
        "ai_model_hash": params.get("Model hash"),
        "loras": list(dict.fromkeys(loras)),
        "_scheduler": params.get("Schedule type"),
    }
    for key in ("Size", "Version", "Denoising strength", "Hires upscaler", "Clip skip", "VAE"):
        if key in params:
            found["x:" + key.lower().replace(" ", "_")] = params[key]
    return found


# -- ComfyUI, InvokeAI, NovelAI -------------------------------------------------------------


def _comfyui(texts: dict[str, str], out: AiResult) -> dict[str, object] | None:
    graph = None
    prompt = texts.get("prompt", "")
    if prompt.lstrip().startswith("{"):  # other tools write a plain-text "prompt" chunk
        graph = api_graph(_json(prompt, "ComfyUI prompt", out))
    if graph is None and "workflow" in texts:
        graph = workflow_graph(_json(texts["workflow"], "ComfyUI workflow", out))
    if graph is None:
        # JSON that is not a graph (or broken): still a ComfyUI image if it says so
        return {"ai_tool": "comfyui"} if "workflow" in texts else None
    return read_graph(graph)


def _invokeai(texts: dict[str, str], out: AiResult) -> dict[str, object] | None:
    if "invokeai_metadata" in texts:
        doc = _json(texts["invokeai_metadata"], "InvokeAI metadata", out)
        if not isinstance(doc, dict):
            return {"ai_tool": "invokeai"}
        model = doc.get("model")
        loras = []
        for entry in doc.get("loras") or []:
            if isinstance(entry, dict):
                lora = entry.get("lora", entry.get("model"))
                if isinstance(lora, dict):
                    loras.append(lora.get("name") or lora.get("model_name"))
        return {
            "ai_tool": "invokeai",
            "prompt": doc.get("positive_prompt"),
            "negative_prompt": doc.get("negative_prompt"),
            "seed": doc.get("seed"),
            "steps": doc.get("steps"),
            "cfg_scale": doc.get("cfg_scale"),
            "sampler": doc.get("scheduler"),
            "ai_model": (model.get("name") or model.get("model_name"))
            if isinstance(model, dict)
            else model,
            "ai_model_hash": model.get("hash") if isinstance(model, dict) else None,
            "loras": [x for x in loras if isinstance(x, str)],
        }
    doc = _json(texts["sd-metadata"], "InvokeAI sd-metadata", out)
    if not isinstance(doc, dict):
        return {"ai_tool": "invokeai"}
    image = doc.get("image") if isinstance(doc.get("image"), dict) else {}
    assert isinstance(image, dict)
    prompt = image.get("prompt")
    if isinstance(prompt, list):
        prompt = " ".join(
            p.get("prompt", "")
            for p in prompt
            if isinstance(p, dict) and isinstance(p.get("prompt"), str)
        )
    positive, negative = _split_brackets(prompt if isinstance(prompt, str) else "")
    return {
        "ai_tool": "invokeai",
        "prompt": positive,
        "negative_prompt": negative,
        "seed": image.get("seed"),
        "steps": image.get("steps"),
        "cfg_scale": image.get("cfg_scale"),
        "sampler": image.get("sampler"),
        "ai_model": model_name(doc.get("model_weights")),
        "ai_model_hash": doc.get("model_hash"),
    }


def _split_brackets(prompt: str) -> tuple[str, str]:
    """InvokeAI 2's `prompt [negative words]` into (prompt, negative prompt)."""
    negative = " ".join(m.strip() for m in re.findall(r"\[([^\]]*)\]", prompt))
    return re.sub(r"\[[^\]]*\]", "", prompt).strip(), negative


def _dream(text: str) -> dict[str, object] | None:
    """InvokeAI's old `Dream` chunk: `"prompt [negative]" -s 50 -S 42 -C 7.5 -A k_lms`."""
    try:
        words = shlex.split(text[:MAX_RAW])
    except ValueError:
        return {"ai_tool": "invokeai"}
    if not words:
        return None
    positive, negative = _split_brackets(words[0])
    found: dict[str, object] = {
        "ai_tool": "invokeai",
        "prompt": positive,
        "negative_prompt": negative,
    }
    options = {"-s": "steps", "-S": "seed", "-C": "cfg_scale", "-A": "sampler"}
    for flag, value in itertools.pairwise(words[1:]):
        if flag in options:
            found[options[flag]] = value
    return found


def _novelai(texts: dict[str, str], out: AiResult) -> dict[str, object]:
    found: dict[str, object] = {"ai_tool": "novelai", "prompt": texts.get("Description")}
    source = texts.get("Source", "").strip()
    if source:
        parts = source.rsplit(" ", 1)
        if len(parts) == 2 and re.fullmatch(r"[0-9A-Fa-f]{7,16}", parts[1]):
            found["ai_model"], found["ai_model_hash"] = parts
        else:
            found["ai_model"] = source
    comment = _json(texts["Comment"], "NovelAI comment", out) if "Comment" in texts else None
    if isinstance(comment, dict):
        if isinstance(comment.get("prompt"), str):
            found["prompt"] = comment["prompt"]
        found["negative_prompt"] = comment.get("uc")
        found["seed"] = comment.get("seed")
        found["steps"] = comment.get("steps")
        found["cfg_scale"] = comment.get("scale")
        found["sampler"] = comment.get("sampler")
    return found


# -- Midjourney, file names, C2PA -----------------------------------------------------------

_JOB_ID = re.compile(r"\s*Job ID:\s*([0-9a-f-]{36})", re.IGNORECASE)
_MJ_VERSION = re.compile(r"--(v|version|niji)\s+([\d.]+)")
_MJ_SEED = re.compile(r"--seed\s+(\d+)")
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_MJ_NAME = re.compile(
    rf"^([^_\s]{{1,40}})_(.+?)_({_UUID})(?:_\d+)?\.(?:png|webp|jpe?g)$", re.IGNORECASE
)
_DALLE_NAME = re.compile(
    r"^DALL[·.\-_ ]?E(?: \d)? \d{4}-\d{2}-\d{2} \d{2}\.\d{2}\.\d{2} - (.+)\.\w+$", re.IGNORECASE
)
_CHATGPT_NAME = re.compile(r"^ChatGPT Image .+\.\w+$")
_FIREFLY_NAME = re.compile(r"^Firefly (.+?)(?: \d+)?\.\w+$")


def _midjourney(texts: dict[str, str]) -> dict[str, object] | None:
    description = texts.get("Description", "")
    software = texts.get("Software", "") + texts.get("CreatorTool", "")
    job = _JOB_ID.search(description)
    if job is None and "midjourney" not in software.lower():
        return None
    prompt = description[: job.start()] if job else description
    found: dict[str, object] = {"ai_tool": "midjourney", "prompt": prompt.strip()}
    if job:
        found["x:job_id"] = job[1]
    version = _MJ_VERSION.search(prompt)
    if version:
        found["ai_model"] = ("niji " if version[1] == "niji" else "v") + version[2]
    seed = _MJ_SEED.search(prompt)
    if seed:
        found["seed"] = seed[1]
    if texts.get("Author"):
        found["x:author"] = texts["Author"]
    return found


def from_name(name: str) -> dict[str, object] | None:
    """Generators recognised by the names their downloads get."""
    m = _DALLE_NAME.match(name)
    if m:
        return {"ai_tool": "dall-e", "prompt": m[1]}
    if _CHATGPT_NAME.match(name):
        return {"ai_tool": "chatgpt"}
    m = _MJ_NAME.match(name)
    if m:
        return {
            "ai_tool": "midjourney",
            "prompt": m[2].replace("_", " "),
            "x:job_id": m[3],
            "x:author": m[1],
        }
    m = _FIREFLY_NAME.match(name)
    if m:
        return {"ai_tool": "firefly", "prompt": m[1]}
    return None
