"""Lists a crate's public API from its rustdoc JSON: one sorted line per item, with its kind and
signature. Used by scripts/public-api; stdlib only (Python 3.11).

Items are listed at every public path that reaches them (re-exports included); fields, variants,
methods and trait impls once, under the shortest of those paths. Blanket impls are left out
(they come with the traits, not with our types); auto-trait impls are listed (a type that stops
being `Send` breaks its users). `#[doc(hidden)]` items are not in rustdoc's JSON, so they are not
surface here either.
"""

import json
import sys

FORMAT_VERSIONS = range(50, 70)

# The standard prelude's names, written as a user writes them rather than by their defining
# module (`core::option::Option`): shorter lines, and no churn when std moves a definition.
PRELUDE = {
    "Option", "Some", "None", "Result", "Ok", "Err", "String", "ToString", "Vec", "Box", "Send", "Sync",
    "Sized", "Unpin", "Copy", "Clone", "Default", "Drop", "Eq", "PartialEq", "Ord", "PartialOrd",
    "Fn", "FnMut", "FnOnce", "Into", "From", "AsRef", "AsMut", "Iterator", "IntoIterator",
    "ToOwned", "Extend", "DoubleEndedIterator", "ExactSizeIterator", "TryFrom", "TryInto",
    "FromIterator",
}
STD_CRATES = {"core", "alloc", "std"}
# The auto traits a user can name on stable; rustdoc also lists unstable ones (`Freeze`, ...).
STABLE_AUTO_TRAITS = {"Send", "Sync", "Unpin", "UnwindSafe", "RefUnwindSafe"}


class Api:
    def __init__(self, doc):
        self.index = doc["index"]
        self.paths = doc["paths"]
        self.root = str(doc["root"])
        self.reach = {}  # item id -> every public path of it
        self.lines = set()  # (sort key, rank, line): each item, then its impls, then its members

    def item(self, id_):
        return self.index.get(str(id_))

    # --- paths -------------------------------------------------------------------------------

    def collect(self, module_id, path, seen):
        """Records the public path of every item reachable from `module_id`."""
        if (module_id, tuple(path)) in seen:
            return
        seen.add((module_id, tuple(path)))
        for child in self.item(module_id)["inner"]["module"]["items"]:
            for target, name in self.children(child):
                item = self.item(target)
                if item is None:
                    continue
                full = path + [name]
                self.reach.setdefault(str(target), []).append(full)
                if "module" in item["inner"]:
                    self.collect(str(target), full, seen)

    def children(self, child):
        """(target id, name) pairs a module entry brings in: the item, or what a `use` names."""
        item = self.item(child)
        if item is None or item["visibility"] != "public":
            return []
        inner = item["inner"]
        if "use" not in inner:
            return [(str(child), item["name"])]
        use = inner["use"]
        target = self.item(use["id"]) if use["id"] is not None else None
        if use["is_glob"]:
            if target is None or "module" not in target["inner"]:
                return []
            return [pair for c in target["inner"]["module"]["items"] for pair in self.children(c)]
        return [(str(use["id"]), use["name"])]

    def canonical(self, id_):
        paths = self.reach.get(str(id_))
        return "::".join(min(paths, key=lambda p: (len(p), p))) if paths else None

    def name_of(self, id_, written):
        """How a type or trait is named in a signature: its public path, else its own."""
        local = self.canonical(id_)
        if local:
            return local
        summary = self.paths.get(str(id_))
        if not summary:
            return written
        path = summary["path"]
        if path[0] in STD_CRATES and path[-1] in PRELUDE:
            return path[-1]
        return "::".join(path)

    # --- rendering ---------------------------------------------------------------------------

    def ty(self, t):
        if t is None:
            return "()"
        if isinstance(t, str):  # "infer"
            return "_"
        (kind, v), = t.items()
        if kind == "resolved_path":
            return self.name_of(v["id"], v["path"]) + self.args(v.get("args"))
        if kind == "generic":
            return v
        if kind == "primitive":
            return v
        if kind == "borrowed_ref":
            lt = v["lifetime"] + " " if v.get("lifetime") else ""
            return "&" + lt + ("mut " if v["is_mutable"] else "") + self.ty(v["type"])
        if kind == "raw_pointer":
            return ("*mut " if v["is_mutable"] else "*const ") + self.ty(v["type"])
        if kind == "slice":
            return "[" + self.ty(v) + "]"
        if kind == "array":
            return "[" + self.ty(v["type"]) + "; " + v["len"] + "]"
        if kind == "tuple":
            return "(" + ", ".join(self.ty(x) for x in v) + ("," if len(v) == 1 else "") + ")"
        if kind == "impl_trait":
            return "impl " + self.bounds(v)
        if kind == "dyn_trait":
            parts = [self.poly_trait(p) for p in v["traits"]]
            if v.get("lifetime"):
                parts.append(v["lifetime"])
            return "dyn " + " + ".join(parts)
        if kind == "qualified_path":
            self_ty = self.ty(v["self_type"])
            args = self.args(v.get("args"))
            if v.get("trait"):
                tr = v["trait"]
                return f"<{self_ty} as {self.name_of(tr['id'], tr['path'])}{self.args(tr.get('args'))}>::{v['name']}{args}"
            return f"{self_ty}::{v['name']}{args}"
        if kind == "function_pointer":
            sig = v["sig"]
            inputs = ", ".join(self.ty(x) for _, x in sig["inputs"])
            out = " -> " + self.ty(sig["output"]) if sig["output"] is not None else ""
            return f"fn({inputs}){out}"
        if kind == "pat":
            return self.ty(v["type"]) + " is " + v["__pat_unstable_do_not_use"]
        return kind

    def args(self, a):
        if not a:
            return ""
        if a == "return_type_notation":
            return "(..)"
        (kind, v), = a.items()
        if kind == "parenthesized":
            out = " -> " + self.ty(v["output"]) if v.get("output") is not None else ""
            return "(" + ", ".join(self.ty(x) for x in v["inputs"]) + ")" + out
        parts = [self.generic_arg(x) for x in v["args"]]
        for c in v.get("constraints", []):
            binding = c["binding"]
            head = c["name"] + self.args(c.get("args"))
            if "equality" in binding:
                term = binding["equality"]
                parts.append(head + " = " + (self.ty(term["type"]) if "type" in term else term["constant"]["expr"]))
            else:
                parts.append(head + ": " + self.bounds(binding["constraint"]))
        return "<" + ", ".join(parts) + ">" if parts else ""

    def generic_arg(self, x):
        if x == "infer":
            return "_"
        (kind, v), = x.items()
        if kind == "lifetime":
            return v
        if kind == "type":
            return self.ty(v)
        return v.get("expr", "_")  # const

    def poly_trait(self, p):
        hrtb = self.for_lifetimes(p.get("generic_params", []))
        tr = p["trait"]
        return hrtb + self.name_of(tr["id"], tr["path"]) + self.args(tr.get("args"))

    def for_lifetimes(self, params):
        return "for<" + ", ".join(x["name"] for x in params) + "> " if params else ""

    def bound(self, b):
        (kind, v), = b.items()
        if kind == "trait_bound":
            prefix = {"none": "", "maybe": "?", "maybe_const": "~const "}.get(v["modifier"], "")
            return prefix + self.poly_trait(v)
        if kind == "outlives":
            return v
        return "use<" + ", ".join(x if isinstance(x, str) else next(iter(x.values())) for x in v) + ">"

    def bounds(self, bs):
        return " + ".join(self.bound(b) for b in bs)

    def generics(self, g):
        """(`<...>` of the declared parameters, ` where ...`)."""
        params = []
        for p in g["params"]:
            (kind, v), = p["kind"].items()
            if kind == "lifetime":
                params.append(p["name"] + (": " + " + ".join(v["outlives"]) if v["outlives"] else ""))
            elif kind == "type":
                if v["is_synthetic"]:
                    continue
                s = p["name"] + (": " + self.bounds(v["bounds"]) if v["bounds"] else "")
                params.append(s + (" = " + self.ty(v["default"]) if v.get("default") else ""))
            else:
                params.append("const " + p["name"] + ": " + self.ty(v["type"]))
        preds = []
        for w in g["where_predicates"]:
            (kind, v), = w.items()
            if kind == "bound_predicate":
                if v["bounds"]:
                    preds.append(self.for_lifetimes(v.get("generic_params", [])) + self.ty(v["type"]) + ": " + self.bounds(v["bounds"]))
            elif kind == "lifetime_predicate":
                preds.append(v["lifetime"] + ": " + " + ".join(v["outlives"]))
            else:
                preds.append(self.ty(v["lhs"]) + " = " + self.ty(v["rhs"]["type"]) if "type" in v["rhs"] else "")
        return ("<" + ", ".join(params) + ">" if params else "", " where " + ", ".join(preds) if preds else "")

    def signature(self, f):
        sig, header = f["sig"], f["header"]
        head = "".join(
            word for flag, word in [("is_const", "const "), ("is_async", "async "), ("is_unsafe", "unsafe ")] if header[flag]
        )
        if header["abi"] != "Rust":
            head += "extern " + json.dumps(header["abi"]) + " "
        inputs = []
        for name, t in sig["inputs"]:
            if name == "self":
                if t == {"generic": "Self"}:
                    inputs.append("self")
                    continue
                ref = t.get("borrowed_ref")
                if ref and ref["type"] == {"generic": "Self"}:
                    lt = ref["lifetime"] + " " if ref.get("lifetime") else ""
                    inputs.append("&" + lt + ("mut " if ref["is_mutable"] else "") + "self")
                    continue
            inputs.append(f"{name}: {self.ty(t)}")
        if sig["is_c_variadic"]:
            inputs.append("...")
        params, where = self.generics(f["generics"])
        out = " -> " + self.ty(sig["output"]) if sig["output"] is not None else ""
        return head, params, "(" + ", ".join(inputs) + ")" + out + where

    # --- items -------------------------------------------------------------------------------

    def emit(self, key, line, rank=0):
        self.lines.add((key, rank, line))

    def attrs(self, item):
        return "#[non_exhaustive] " if "non_exhaustive" in item.get("attrs", []) else ""

    def list_item(self, id_, path):
        item = self.item(id_)
        (kind, v), = item["inner"].items()
        here = "::".join(path)
        main = self.canonical(id_) == here  # members are listed under one path only
        pre = self.attrs(item)
        if kind == "module":
            self.emit(here, f"pub mod {here}")
        elif kind == "function":
            head, params, rest = self.signature(v)
            self.emit(here, f"pub {head}fn {here}{params}{rest}")
        elif kind in ("struct", "enum", "union"):
            params, where = self.generics(v["generics"])
            shape = ""
            if kind == "struct" and v["kind"] != "unit" and "tuple" in v["kind"]:
                shape = "(" + ", ".join(self.ty(self.item(f)["inner"]["struct_field"]) if f is not None else "_" for f in v["kind"]["tuple"]) + ")"
            self.emit(here, f"{pre}pub {kind} {here}{params}{shape}{where}")
            if main:
                self.members(kind, v, here)
        elif kind == "trait":
            params, where = self.generics(v["generics"])
            supers = ": " + self.bounds(v["bounds"]) if v["bounds"] else ""
            unsafe = "unsafe " if v["is_unsafe"] else ""
            self.emit(here, f"pub {unsafe}trait {here}{params}{supers}{where}")
            if main:
                for m in v["items"]:
                    self.assoc(self.item(m), here, in_trait=True)
        elif kind == "constant":
            self.emit(here, f"pub const {here}: {self.ty(v['type'])}")
        elif kind == "static":
            self.emit(here, f"pub static {'mut ' if v['is_mutable'] else ''}{here}: {self.ty(v['type'])}")
        elif kind == "type_alias":
            params, where = self.generics(v["generics"])
            self.emit(here, f"pub type {here}{params} = {self.ty(v['type'])}{where}")
        elif kind == "macro":
            self.emit(here, f"pub macro {here}!")
        elif kind == "proc_macro":
            self.emit(here, f"pub proc_macro {v['kind']} {here}")
        else:
            self.emit(here, f"pub {kind} {here}")

    def members(self, kind, v, here):
        if kind == "struct" and isinstance(v["kind"], dict) and "plain" in v["kind"]:
            for f in v["kind"]["plain"]["fields"]:
                field = self.item(f)
                self.emit(f"{here}::{field['name']}", f"pub field {here}::{field['name']}: {self.ty(field['inner']['struct_field'])}")
        if kind == "enum":
            for var_id in v["variants"]:
                var = self.item(var_id)
                vk = var["inner"]["variant"]["kind"]
                shape = ""
                if isinstance(vk, dict) and "tuple" in vk:
                    shape = "(" + ", ".join(self.ty(self.item(f)["inner"]["struct_field"]) if f is not None else "_" for f in vk["tuple"]) + ")"
                elif isinstance(vk, dict):
                    fields = [self.item(f) for f in vk["struct"]["fields"]]
                    more = ", .." if vk["struct"]["has_stripped_fields"] else ""
                    shape = " { " + ", ".join(f"{f['name']}: {self.ty(f['inner']['struct_field'])}" for f in fields) + more + " }"
                self.emit(f"{here}::{var['name']}", f"{self.attrs(var)}pub variant {here}::{var['name']}{shape}")
        for impl_id in v["impls"]:
            self.impl(self.item(impl_id)["inner"]["impl"], here)

    def impl(self, imp, here):
        if imp["blanket_impl"] is not None:
            return
        if imp["trait"] is None:
            for m in imp["items"]:
                member = self.item(m)
                if member is not None and member["visibility"] == "public":
                    self.assoc(member, here, in_trait=False)
            return
        tr = imp["trait"]
        if imp["is_synthetic"] and tr["path"].split("::")[-1] not in STABLE_AUTO_TRAITS:
            return
        params, where = self.generics(imp["generics"])
        neg = "!" if imp["is_negative"] else ""
        types = []
        for m in imp["items"]:
            member = self.item(m)
            if member is not None and "assoc_type" in member["inner"] and member["inner"]["assoc_type"]["type"] is not None:
                types.append(f"type {member['name']} = {self.ty(member['inner']['assoc_type']['type'])};")
        body = " { " + " ".join(types) + " }" if types else ""
        unsafe = "unsafe " if imp["is_unsafe"] else ""
        self.emit(here, f"{unsafe}impl{params} {neg}{self.name_of(tr['id'], tr['path'])}{self.args(tr.get('args'))} for {self.ty(imp['for'])}{where}{body}", rank=1)

    def assoc(self, member, here, in_trait):
        (kind, v), = member["inner"].items()
        name = f"{here}::{member['name']}"
        if kind == "function":
            head, params, rest = self.signature(v)
            provided = " (provided)" if in_trait and v["has_body"] else ""
            self.emit(name, f"pub {head}fn {name}{params}{rest}{provided}")
        elif kind == "assoc_const":
            self.emit(name, f"pub const {name}: {self.ty(v['type'])}")
        elif kind == "assoc_type":
            params, where = self.generics(v["generics"])
            bounds = ": " + self.bounds(v["bounds"]) if v["bounds"] else ""
            default = " = " + self.ty(v["type"]) if v.get("type") else ""
            self.emit(name, f"pub type {name}{params}{bounds}{default}{where}")

    def run(self):
        root_name = self.item(self.root)["name"]
        self.collect(self.root, [root_name], set())
        for id_, paths in self.reach.items():
            for path in paths:
                self.list_item(id_, path)
        # Re-exports of other crates' items: their source is all rustdoc says of them.
        self.external(self.root, [root_name], set())
        return [line for _, _, line in sorted(self.lines)]

    def external(self, module_id, path, seen):
        if module_id in seen:
            return
        seen.add(module_id)
        for child in self.item(module_id)["inner"]["module"]["items"]:
            item = self.item(child)
            if item is None or item["visibility"] != "public":
                continue
            inner = item["inner"]
            if "use" in inner and self.item(inner["use"]["id"]) is None:
                use = inner["use"]
                summary = self.paths.get(str(use["id"])) if use["id"] is not None else None
                kind = summary["kind"] if summary else "item"
                source = "::".join(summary["path"]) if summary else use["source"]
                here = "::".join(path + [use["name"]])
                self.emit(here, f"pub use {here} = {source} ({kind})")
            elif "module" in inner:
                self.external(str(child), path + [item["name"]], seen)


def main():
    doc = json.load(open(sys.argv[1]))
    if doc["format_version"] not in FORMAT_VERSIONS:
        sys.exit(f"public_api.py: rustdoc JSON format {doc['format_version']} is not one this script was written for")
    crate = sys.argv[2] if len(sys.argv) > 2 else "session-runtime"
    print(f"# {crate}'s public API with every feature on (rustdoc JSON, rustc 1.95).")
    print("# Checked by scripts/test; after a deliberate change: scripts/public-api --bless")
    for line in Api(doc).run():
        print(line)


if __name__ == "__main__":
    main()
