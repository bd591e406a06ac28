// Roles and what they grant: the one table of who may do what (docs/security.md shows it).
#include <madoguchi/api/router.hpp>

namespace madoguchi::api {

namespace {
constexpr unsigned bit(Role r) { return static_cast<unsigned>(r); }
constexpr std::pair<Role, std::string_view> kRoleNames[] = {
    {Role::Desk, "desk"},
    {Role::ReceiptSystem, "receipt_system"},
    {Role::Auditor, "auditor"},
    {Role::Admin, "admin"},
};
}  // namespace

std::string_view to_string(Role role) {
  for (const auto& [r, name] : kRoleNames)
    if (r == role) return name;
  return "";
}

std::optional<Role> role_from_string(std::string_view s) {
  for (const auto& [r, name] : kRoleNames)
    if (name == s) return r;
  return std::nullopt;
}

std::string_view Principal::role_name() const {
  for (const auto& [r, name] : kRoleNames)
    if (has(r)) return name;
  return "";
}

std::string_view to_string(Access access) {
  switch (access) {
    case Access::Public:
      return "public";
    case Access::Authenticated:
      return "authenticated";
    case Access::CheckAtTerminal:
      return "check_at_terminal";
    case Access::CheckByNumber:
      return "check_by_number";
    case Access::Batch:
      return "batch";
    case Access::Fhir:
      return "fhir";
    case Access::OwnHistory:
      return "own_history";
    case Access::AllHistory:
      return "all_history";
    case Access::Unconfirmed:
      return "unconfirmed";
    case Access::Admin:
      return "admin";
  }
  return "";
}

bool grants(unsigned roles, Access access) {
  const unsigned desk = bit(Role::Desk), receipt = bit(Role::ReceiptSystem),
                 auditor = bit(Role::Auditor), admin = bit(Role::Admin);
  unsigned allowed = 0;
  switch (access) {
    case Access::Public:
      return true;
    case Access::Authenticated:
      allowed = desk | receipt | auditor | admin;
      break;
    case Access::CheckAtTerminal:
      allowed = desk;
      break;
    case Access::CheckByNumber:
      allowed = desk | receipt;
      break;
    case Access::Batch:
      allowed = receipt;
      break;
    case Access::Fhir:
      allowed = receipt;
      break;
    case Access::OwnHistory:
      allowed = desk | receipt | auditor;
      break;
    case Access::AllHistory:
      allowed = auditor;
      break;
    case Access::Unconfirmed:
      allowed = desk | receipt;
      break;
    case Access::Admin:
      allowed = admin;
      break;
  }
  return (roles & allowed) != 0;
}

}  // namespace madoguchi::api
