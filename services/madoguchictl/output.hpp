// How madoguchictl shows the daemon's answers: Japanese for the desk by default, English with
// --lang en, the daemon's JSON unchanged with --json; and which exit code an answer means.
#pragma once

#include "commands.hpp"
#include "daemon_client.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace madoguchi::ctl {

// The exit code of a decision's outcome (docs/cli.md).
int exit_for_outcome(const nlohmann::json& decision);

// The exit code of an answer that is not a decision: 400 usage, 422 needs more, 5xx
// unavailable, other 4xx denied.
int exit_for_status(int status);

// Prints a decision (text or JSON) and returns its exit code.
int show_decision(const nlohmann::json& decision, const std::string& lang, bool json);

// Prints an error answer (problem+json) and returns its exit code.
int show_problem(const HttpReply& reply, const std::string& lang, bool json);

// Prints a client-side error (cannot connect, bad config) and returns its exit code.
int show_error(const Error& e, bool json);

// One line of an audit record: time (JST), method, outcome, masked identity, reasons.
std::string record_line(const nlohmann::json& record, const std::string& lang);

// One line of the unconfirmed queue: when, state, masked identity, re-confirmation, check id.
std::string unconfirmed_line(const nlohmann::json& entry, const std::string& lang);

// "accepted" → 受付可 / "accepted"
std::string outcome_label(const std::string& outcome, const std::string& lang);

}  // namespace madoguchi::ctl
