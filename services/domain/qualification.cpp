#include <madoguchi/domain/qualification.hpp>

namespace madoguchi {

std::string InsuranceIdentity::masked() const {
  return insurer.masked() + "/" + (symbol ? symbol->masked() : std::string("-")) + "/" +
         number.masked() + "/" + (branch ? std::string("**") : std::string("-"));
}

std::string_view to_string(QualificationValidity v) {
  switch (v) {
    case QualificationValidity::Valid:
      return "valid";
    case QualificationValidity::Invalid:
      return "invalid";
    case QualificationValidity::NewerExists:
      return "newer_exists";
    case QualificationValidity::NotFound:
      return "not_found";
    case QualificationValidity::SeveralMatch:
      return "several_match";
    case QualificationValidity::ValidUnregistered:
      return "valid_unregistered";
  }
  return "unknown";
}

}  // namespace madoguchi
