import type { AnyBlock, View } from "@slack/types";
import { LIMITS } from "./text.ts";

type Json = Record<string, unknown>;

function obj(v: unknown): Json | null {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Json) : null;
}

function textOf(v: unknown): string | null {
  const o = obj(v);
  return o !== null && typeof o.text === "string" ? o.text : null;
}

function checkText(problems: string[], where: string, v: unknown, max: number): void {
  const t = textOf(v);
  if (t === null) return;
  if (t.length === 0) problems.push(`${where}: empty text`);
  if (t.length > max) problems.push(`${where}: text ${t.length} > ${max}`);
}

function checkElement(problems: string[], where: string, v: unknown): void {
  const el = obj(v);
  if (el === null) return;
  if (el.type === "button") {
    checkText(problems, `${where} button`, el.text, LIMITS.buttonText);
    if (typeof el.value === "string" && el.value.length > LIMITS.buttonValue) {
      problems.push(`${where}: button value ${el.value.length} > ${LIMITS.buttonValue}`);
    }
  }
  if (Array.isArray(el.options)) {
    if (el.options.length > LIMITS.selectOptions) {
      problems.push(`${where}: ${el.options.length} options > ${LIMITS.selectOptions}`);
    }
    for (const [i, o] of el.options.entries()) {
      const opt = obj(o);
      checkText(problems, `${where} option ${i}`, opt?.text, LIMITS.optionText);
      checkText(problems, `${where} option ${i} description`, opt?.description, LIMITS.optionText);
      if (typeof opt?.value === "string" && opt.value.length > LIMITS.optionValue) {
        problems.push(`${where} option ${i}: value > ${LIMITS.optionValue}`);
      }
    }
  }
  if (el.placeholder !== undefined) {
    checkText(problems, `${where} placeholder`, el.placeholder, LIMITS.placeholder);
  }
}

/**
 * Lists the Block Kit limits a block list breaks (empty when it is valid as far as these checks
 * go): block count, header/section/field/context/button/option sizes, duplicate block ids.
 */
export function blockLimitProblems(blocks: readonly AnyBlock[], maxBlocks: number): string[] {
  const problems: string[] = [];
  if (blocks.length > maxBlocks) problems.push(`${blocks.length} blocks > ${maxBlocks}`);
  const ids = new Set<string>();
  for (const [i, block] of blocks.entries()) {
    const b = block as unknown as Json;
    const where = `block ${i} (${String(b.type)})`;
    if (typeof b.block_id === "string") {
      if (ids.has(b.block_id)) problems.push(`${where}: duplicate block_id ${b.block_id}`);
      if (b.block_id.length > 255) problems.push(`${where}: block_id too long`);
      ids.add(b.block_id);
    }
    switch (b.type) {
      case "header":
        checkText(problems, where, b.text, LIMITS.headerText);
        break;
      case "section": {
        checkText(problems, where, b.text, LIMITS.sectionText);
        const fields = Array.isArray(b.fields) ? b.fields : [];
        if (fields.length > LIMITS.sectionFields) {
          problems.push(`${where}: ${fields.length} fields > ${LIMITS.sectionFields}`);
        }
        for (const [j, f] of fields.entries()) {
          checkText(problems, `${where} field ${j}`, f, LIMITS.fieldText);
        }
        if (textOf(b.text) === null && fields.length === 0) problems.push(`${where}: no text`);
        checkElement(problems, `${where} accessory`, b.accessory);
        break;
      }
      case "context": {
        const els = Array.isArray(b.elements) ? b.elements : [];
        if (els.length === 0 || els.length > LIMITS.contextElements) {
          problems.push(`${where}: ${els.length} elements`);
        }
        for (const [j, e] of els.entries()) {
          checkText(problems, `${where} element ${j}`, e, LIMITS.sectionText);
        }
        break;
      }
      case "actions": {
        const els = Array.isArray(b.elements) ? b.elements : [];
        if (els.length === 0 || els.length > LIMITS.actionsElements) {
          problems.push(`${where}: ${els.length} elements`);
        }
        for (const [j, e] of els.entries()) checkElement(problems, `${where} element ${j}`, e);
        break;
      }
      case "input":
        checkText(problems, `${where} label`, b.label, LIMITS.inputLabel);
        checkElement(problems, `${where} element`, b.element);
        break;
    }
  }
  return problems;
}

/** Lists the limits a view breaks: its blocks (≤ 100), title, buttons and private_metadata. */
export function viewLimitProblems(view: View): string[] {
  const problems = blockLimitProblems(view.blocks, LIMITS.viewBlocks);
  const v = view as unknown as Json;
  checkText(problems, "title", v.title, LIMITS.modalTitle);
  checkText(problems, "submit", v.submit, LIMITS.modalButton);
  checkText(problems, "close", v.close, LIMITS.modalButton);
  if ((view.private_metadata?.length ?? 0) > LIMITS.privateMetadata) {
    problems.push(`private_metadata > ${LIMITS.privateMetadata}`);
  }
  if ((view.callback_id?.length ?? 0) > 255) problems.push("callback_id > 255");
  const hasInput = view.blocks.some((b) => b.type === "input");
  if (view.type === "modal" && hasInput && v.submit === undefined) {
    problems.push("modal with inputs but no submit button");
  }
  return problems;
}
