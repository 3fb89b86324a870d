"""ComfyUI: the generation settings of an image, found by walking its node graph.

ComfyUI stores two JSON documents in a PNG: `prompt`, the executed graph in API
form (`{id: {"class_type", "inputs": {name: value or [node id, output]}}}`), and
`workflow`, the editor's view of it (nodes with positional `widgets_values` and a
list of links).  The workflow is converted to the API form for the node types we
know, then both are read the same way: from the sampler node, follow `model` to
the checkpoint loader (LoRA loaders on the way), and `positive` / `negative`
through conditioning nodes to the text encoders.  Every walk is bounded in depth
and never visits a node twice, so a cyclic or hostile graph ends quickly.
"""

from __future__ import annotations

from typing import Any, Final, TypeGuard

Graph = dict[str, dict[str, Any]]

MAX_DEPTH: Final = 32
MAX_NODES: Final = 5000

SAMPLERS: Final = ("KSampler", "KSamplerAdvanced", "SamplerCustom", "SamplerCustomAdvanced")
_MODEL_KEYS: Final = ("ckpt_name", "unet_name", "model_name", "base_ckpt_name")
_TEXT_KEYS: Final = ("text", "string", "value", "prompt", "text_g", "String", "Text")
_VALUE_KEYS: Final = ("value", "int", "seed", "noise_seed", "number", "Number", "float")
_CONDITIONING: Final = (
    "conditioning",
    "conditioning_1",
    "conditioning_to",
    "conditioning_from",
    "conditioning_2",
    "cond",
)
_MODEL_EXTENSIONS: Final = (".safetensors", ".ckpt", ".pt", ".pth", ".bin", ".gguf", ".sft")

#: widget order of the node types read from an editor workflow (None: a UI-only widget)
_WIDGETS: Final[dict[str, tuple[str | None, ...]]] = {
    "KSampler": ("seed", None, "steps", "cfg", "sampler_name", "scheduler", "denoise"),
    "KSamplerAdvanced": (
        "add_noise",
        "noise_seed",
        None,
        "steps",
        "cfg",
        "sampler_name",
        "scheduler",
        "start_at_step",
        "end_at_step",
        "return_with_leftover_noise",
    ),
    "CheckpointLoaderSimple": ("ckpt_name",),
    "CheckpointLoader": ("config_name", "ckpt_name"),
    "UNETLoader": ("unet_name", "weight_dtype"),
    "CLIPTextEncode": ("text",),
    "CLIPTextEncodeSDXL": (
        "width",
        "height",
        "crop_w",
        "crop_h",
        "target_width",
        "target_height",
        "text_g",
        "text_l",
    ),
    "LoraLoader": ("lora_name", "strength_model", "strength_clip"),
    "LoraLoaderModelOnly": ("lora_name", "strength_model"),
    "RandomNoise": ("noise_seed", None),
    "KSamplerSelect": ("sampler_name",),
    "BasicScheduler": ("scheduler", "steps", "denoise"),
    "CFGGuider": ("cfg",),
}


def model_name(value: object) -> str | None:
    """A checkpoint or LoRA file name without folders and extension."""
    if not isinstance(value, str) or not value.strip():
        return None
    name = value.replace("\\", "/").rsplit("/", 1)[-1].strip()
    lower = name.lower()
    for ext in _MODEL_EXTENSIONS:
        if lower.endswith(ext):
            return name[: -len(ext)] or None
    return name or None


def _is_link(value: object) -> TypeGuard[list[Any]]:
    return (
        isinstance(value, list)
        and len(value) == 2
        and isinstance(value[0], str | int)
        and isinstance(value[1], int)
    )


def api_graph(doc: object) -> Graph | None:
    """The nodes of an API-form prompt, or None if `doc` is not one."""
    if not isinstance(doc, dict) or not doc or len(doc) > MAX_NODES:
        return None
    graph: Graph = {}
    for key, node in doc.items():
        if isinstance(node, dict) and isinstance(node.get("class_type"), str):
            inputs = node.get("inputs")
            graph[str(key)] = {
                "class_type": node["class_type"],
                "inputs": inputs if isinstance(inputs, dict) else {},
            }
    return graph or None


def workflow_graph(doc: object) -> Graph | None:
    """An editor workflow converted to API form, for the node types in `_WIDGETS`."""
    if not isinstance(doc, dict):
        return None
    nodes, links = doc.get("nodes"), doc.get("links")
    if not isinstance(nodes, list) or len(nodes) > MAX_NODES:
        return None
    sources: dict[object, list[object]] = {}
    if isinstance(links, list):
        for link in links[: MAX_NODES * 4]:
            if isinstance(link, list) and len(link) >= 3:
                sources[link[0]] = [str(link[1]), link[2] if isinstance(link[2], int) else 0]
    graph: Graph = {}
    for node in nodes:
        if not isinstance(node, dict) or not isinstance(node.get("type"), str):
            continue
        if node.get("mode") in (2, 4):  # muted or bypassed
            continue
        inputs: dict[str, object] = {}
        widgets = node.get("widgets_values")
        names = _WIDGETS.get(node["type"], ())
        if isinstance(widgets, list):
            for name, value in zip(names, widgets, strict=False):
                if name is not None:
                    inputs[name] = value
        for slot in node.get("inputs") or []:
            if isinstance(slot, dict) and isinstance(slot.get("name"), str):
                source = sources.get(slot.get("link"))
                if source is not None:
                    inputs[slot["name"]] = source
        graph[str(node.get("id"))] = {"class_type": node["type"], "inputs": inputs}
    return graph or None


class _Walker:
    def __init__(self, graph: Graph) -> None:
        self.graph = graph

    def inputs(self, node_id: object) -> dict[str, Any]:
        node = self.graph.get(str(node_id))
        return node["inputs"] if node is not None else {}

    def literal(self, node_id: object, keys: tuple[str, ...], depth: int = 0) -> object:
        """The first literal input among `keys`, following links to value nodes."""
        if depth > MAX_DEPTH:
            return None
        inputs = self.inputs(node_id)
        for key in keys:
            value = inputs.get(key)
            if _is_link(value):
                found = self.literal(value[0], (*keys, *_VALUE_KEYS, *_TEXT_KEYS), depth + 1)
                if found is not None:
                    return found
            elif value is not None and not isinstance(value, dict | list):
                return value
        return None

    def via(self, node_id: object, keys: tuple[str, ...], link: str) -> object:
        """A literal of the node itself, or of the node its `link` input points to."""
        found = self.literal(node_id, keys)
        if found is None:
            target = self.inputs(node_id).get(link)
            if _is_link(target):
                found = self.literal(target[0], keys)
        return found

    def model(self, start: object, loras: list[str]) -> str | None:
        seen: set[str] = set()
        current = start
        for _ in range(MAX_DEPTH):
            if not _is_link(current) or str(current[0]) in seen:
                return None
            node_id = str(current[0])
            seen.add(node_id)
            node = self.graph.get(node_id)
            if node is None:
                return None
            inputs = node["inputs"]
            if "lora_name" in inputs:
                name = model_name(inputs["lora_name"])
                if name and name not in loras:
                    loras.append(name)
            for key in _MODEL_KEYS:
                name = model_name(inputs.get(key))
                if name:
                    return name
            current = inputs.get("model")
        return None

    def text(self, start: object, role: str) -> str | None:
        seen: set[str] = set()
        stack = [(start, 0)]
        while stack:
            current, depth = stack.pop()
            if depth > MAX_DEPTH or not _is_link(current) or str(current[0]) in seen:
                continue
            node_id = str(current[0])
            seen.add(node_id)
            inputs = self.inputs(node_id)
            if "text_g" in inputs or "text_l" in inputs:
                parts = [self.literal(node_id, (k,)) for k in ("text_g", "text_l")]
                texts = [p for p in parts if isinstance(p, str) and p.strip()]
                if texts:
                    return texts[0] if len(set(texts)) == 1 else ", ".join(texts)
            if "text" in inputs:
                found = self.literal(node_id, ("text",))
                if isinstance(found, str):
                    return found
            followed = [role, *_CONDITIONING]
            for key in reversed(followed):
                if _is_link(inputs.get(key)):
                    stack.append((inputs[key], depth + 1))
        return None


def _pick_sampler(graph: Graph) -> str | None:
    samplers = [k for k, n in graph.items() if n["class_type"] in SAMPLERS]
    if not samplers:
        return None

    def order(node_id: str) -> tuple[int, int, str]:
        inputs = graph[node_id]["inputs"]
        denoise = inputs.get("denoise", 1.0)
        first_pass = 0
        if isinstance(denoise, int | float) and denoise < 1.0:
            first_pass = 1
        if inputs.get("start_at_step") not in (None, 0):
            first_pass = 1
        number = int(node_id) if node_id.isdigit() else 1 << 30
        return first_pass, number, node_id

    return min(samplers, key=order)


def read_graph(graph: Graph) -> dict[str, object]:
    """The normalized AI fields of a ComfyUI graph (ai_tool included)."""
    fields: dict[str, object] = {"ai_tool": "comfyui"}
    walker = _Walker(graph)
    loras: list[str] = []
    sampler = _pick_sampler(graph)
    if sampler is not None:
        inputs = walker.inputs(sampler)
        guider = inputs.get("guider")
        guider_id = guider[0] if _is_link(guider) else None
        fields["seed"] = walker.via(sampler, ("seed", "noise_seed"), "noise")
        fields["steps"] = walker.via(sampler, ("steps",), "sigmas")
        fields["cfg_scale"] = walker.via(sampler, ("cfg",), "guider")
        fields["sampler"] = walker.via(sampler, ("sampler_name",), "sampler")
        fields["_scheduler"] = walker.via(sampler, ("scheduler",), "sigmas")
        model_link = inputs.get("model")
        if model_link is None and guider_id is not None:
            model_link = walker.inputs(guider_id).get("model")
        fields["ai_model"] = walker.model(model_link, loras)
        conditioning = walker.inputs(guider_id) if guider_id is not None else inputs
        positive = conditioning.get("positive", conditioning.get("conditioning"))
        fields["prompt"] = walker.text(positive, "positive")
        fields["negative_prompt"] = walker.text(conditioning.get("negative"), "negative")
    if fields.get("ai_model") is None:
        for node in graph.values():
            for key in _MODEL_KEYS:
                name = model_name(node["inputs"].get(key))
                if name:
                    fields["ai_model"] = name
                    break
            if fields.get("ai_model"):
                break
    for node in graph.values():
        if "lora" in node["class_type"].lower():
            name = model_name(node["inputs"].get("lora_name"))
            if name and name not in loras:
                loras.append(name)
    if loras:
        fields["loras"] = loras
    return {k: v for k, v in fields.items() if v is not None}
