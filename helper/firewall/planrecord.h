// The undo record: a RulePlan as line-based text, so the engine can write what it installed to
// /run/weir and, after a crash, remove exactly that. One line per chain and per rule:
//   weir-plan 1
//   chain ipv4 mangle WEIR_OUTPUT
//   rule ipv4 mangle top -A OUTPUT -m comment --comment weir -j WEIR_OUTPUT
//   rule ipv4 mangle append -A WEIR_OUTPUT -m mark --mark 0x5745 -m comment --comment weir -j RETURN
// The rule text is renderRule()'s; the parser accepts exactly what renderRule() emits for the data
// model and rejects anything else, naming the line.
#pragma once

#include "firewall/ruleplan.h"

#include <optional>
#include <string>

namespace weir::firewall {

std::string serializePlan(const RulePlan& plan);

// parsePlan(serializePlan(p)) == p for every plan whose addresses are in normalised form (as the
// planner makes them). nullopt and *error ("line 3: ...") for anything else.
std::optional<RulePlan> parsePlan(const std::string& text, std::string* error = nullptr);

// One `-A CHAIN ...` line (renderRule's form) back into a rule of the given family and table.
std::optional<Rule> parseRule(Family family, Table table, const std::string& text,
                              std::string* error = nullptr);

} // namespace weir::firewall
