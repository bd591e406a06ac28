// The one place in code that spells XmlMsg element names (DESIGN §6). The schema
// proto/oqs/XmlMsg.xsd spells them too; tests validate written messages against it, so a name
// fixed here and not there (or the other way round) fails the build's tests.
#pragma once

namespace madoguchi::gateway::names {

inline constexpr const char* kXmlMsg = "XmlMsg";
inline constexpr const char* kMessageHeader = "MessageHeader";
inline constexpr const char* kMessageBody = "MessageBody";

// MessageHeader
inline constexpr const char* kProcessExecutionTime = "ProcessExecutionTime";
inline constexpr const char* kQualificationConfirmationDate = "QualificationConfirmationDate";
inline constexpr const char* kMedicalInstitutionCode = "MedicalInstitutionCode";
inline constexpr const char* kArbitraryFileIdentifier = "ArbitraryFileIdentifier";
inline constexpr const char* kReferenceClassification = "ReferenceClassification";
inline constexpr const char* kSegmentOfResult = "SegmentOfResult";
inline constexpr const char* kErrorCode = "ErrorCode";
inline constexpr const char* kErrorMessage = "ErrorMessage";
inline constexpr const char* kCharacterCodeIdentifier = "CharacterCodeIdentifier";
// OQSmuquc02res header
inline constexpr const char* kNumberOfProcessingResult = "NumberOfProcessingResult";
inline constexpr const char* kNumberOfNormalProcessing = "NumberOfNormalProcessing";
inline constexpr const char* kNumberOfError = "NumberOfError";

// QualificationConfirmSearchInfo
inline constexpr const char* kQualificationConfirmSearchInfo = "QualificationConfirmSearchInfo";
inline constexpr const char* kInsurerNumber = "InsurerNumber";
inline constexpr const char* kInsuredCardSymbol = "InsuredCardSymbol";
inline constexpr const char* kInsuredIdentificationNumber = "InsuredIdentificationNumber";
inline constexpr const char* kInsuredBranchNumber = "InsuredBranchNumber";
inline constexpr const char* kBirthdate = "Birthdate";
inline constexpr const char* kLimitApplicationCertificateRelatedConsFlg =
    "LimitApplicationCertificateRelatedConsFlg";

// Card confirmation: Madoguchi's extension.
inline constexpr const char* kCardAuthentication = "CardAuthentication";
inline constexpr const char* kUserAuthenticationCertificate = "UserAuthenticationCertificate";
inline constexpr const char* kChallenge = "Challenge";
inline constexpr const char* kSignature = "Signature";
inline constexpr const char* kVisualConfirmation = "VisualConfirmation";
inline constexpr const char* kCardVerification = "CardVerification";
inline constexpr const char* kChallengeRequest = "ChallengeRequest";
inline constexpr const char* kChallengeValidSeconds = "ChallengeValidSeconds";

// Batch (OQSmuquc01 / OQSmuquc02): search infos and units directly under MessageBody.
inline constexpr const char* kReceptionNumber = "ReceptionNumber";
inline constexpr const char* kReceptionDateTime = "ReceptionDateTime";
inline constexpr const char* kBulkConfirmUnit = "BulkConfirmUnit";

// Response body
inline constexpr const char* kProcessingResultStatus = "ProcessingResultStatus";
inline constexpr const char* kProcessingResultCode = "ProcessingResultCode";
inline constexpr const char* kProcessingResultMessage = "ProcessingResultMessage";
inline constexpr const char* kQualificationValidity = "QualificationValidity";
inline constexpr const char* kResultList = "ResultList";
inline constexpr const char* kResultOfQualificationConfirmation =
    "ResultOfQualificationConfirmation";
inline constexpr const char* kInsuredCardClassification = "InsuredCardClassification";
inline constexpr const char* kPersonalFamilyClassification = "PersonalFamilyClassification";
inline constexpr const char* kInsuredName = "InsuredName";
inline constexpr const char* kName = "Name";
inline constexpr const char* kNameOfOther = "NameOfOther";
inline constexpr const char* kNameKana = "NameKana";
inline constexpr const char* kNameOfOtherKana = "NameOfOtherKana";
inline constexpr const char* kSex1 = "Sex1";
inline constexpr const char* kSex2 = "Sex2";
inline constexpr const char* kAddress = "Address";
inline constexpr const char* kPostNumber = "PostNumber";
inline constexpr const char* kQualificationDate = "QualificationDate";
inline constexpr const char* kDisqualificationDate = "DisqualificationDate";
inline constexpr const char* kInsuredCertificateIssuanceDate = "InsuredCertificateIssuanceDate";
inline constexpr const char* kInsuredCardValidDate = "InsuredCardValidDate";
inline constexpr const char* kInsuredCardExpirationDate = "InsuredCardExpirationDate";
inline constexpr const char* kInsuredPartialContributionRatio = "InsuredPartialContributionRatio";
inline constexpr const char* kPreschoolClassification = "PreschoolClassification";
inline constexpr const char* kReasonOfLoss = "ReasonOfLoss";
inline constexpr const char* kInsurerName = "InsurerName";
inline constexpr const char* kElderlyRecipientCertificateInfo = "ElderlyRecipientCertificateInfo";
inline constexpr const char* kElderlyRecipientCertificateDate = "ElderlyRecipientCertificateDate";
inline constexpr const char* kElderlyRecipientValidStartDate = "ElderlyRecipientValidStartDate";
inline constexpr const char* kElderlyRecipientValidEndDate = "ElderlyRecipientValidEndDate";
inline constexpr const char* kElderlyRecipientContributionRatio =
    "ElderlyRecipientContributionRatio";
inline constexpr const char* kLimitApplicationCertificateRelatedInfo =
    "LimitApplicationCertificateRelatedInfo";
inline constexpr const char* kLimitApplicationCertificateClassification =
    "LimitApplicationCertificateClassification";
inline constexpr const char* kLimitApplicationCertificateClassificationFlag =
    "LimitApplicationCertificateClassificationFlag";
inline constexpr const char* kLimitApplicationCertificateDate = "LimitApplicationCertificateDate";
inline constexpr const char* kLimitApplicationCertificateValidStartDate =
    "LimitApplicationCertificateValidStartDate";
inline constexpr const char* kLimitApplicationCertificateValidEndDate =
    "LimitApplicationCertificateValidEndDate";
inline constexpr const char* kLimitApplicationCertificateLongTermDate =
    "LimitApplicationCertificateLongTermDate";
inline constexpr const char* kPublicExpenseResultList = "PublicExpenseResultList";
inline constexpr const char* kPublicExpenseResult = "PublicExpenseResult";
inline constexpr const char* kPublicExpenseNumber = "PublicExpenseNumber";
inline constexpr const char* kPublicExpenseBeneficiaryNumber = "PublicExpenseBeneficiaryNumber";
inline constexpr const char* kPublicExpenseValidStartDate = "PublicExpenseValidStartDate";
inline constexpr const char* kPublicExpenseValidEndDate = "PublicExpenseValidEndDate";
inline constexpr const char* kMedicalTicketInfo = "MedicalTicketInfo";
inline constexpr const char* kMedicalTicketType = "MedicalTicketType";
inline constexpr const char* kMedicalTicketValidStartDate = "MedicalTicketValidStartDate";
inline constexpr const char* kMedicalTicketValidEndDate = "MedicalTicketValidEndDate";
inline constexpr const char* kDesignatedMedicalInstitutionName = "DesignatedMedicalInstitutionName";
inline constexpr const char* kSpecificHealthCheckupsInfoConsFlg =
    "SpecificHealthCheckupsInfoConsFlg";
inline constexpr const char* kSpecificHealthCheckupsInfoConsTime =
    "SpecificHealthCheckupsInfoConsTime";
inline constexpr const char* kPharmacistsInfoConsFlg = "PharmacistsInfoConsFlg";
inline constexpr const char* kPharmacistsInfoConsTime = "PharmacistsInfoConsTime";
inline constexpr const char* kDiagnosisInfoConsFlg = "DiagnosisInfoConsFlg";
inline constexpr const char* kDiagnosisInfoConsTime = "DiagnosisInfoConsTime";
inline constexpr const char* kOperationInfoConsFlg = "OperationInfoConsFlg";
inline constexpr const char* kOperationInfoConsTime = "OperationInfoConsTime";
inline constexpr const char* kPrescriptionIssueSelect = "PrescriptionIssueSelect";
inline constexpr const char* kReferenceNumber = "ReferenceNumber";

}  // namespace madoguchi::gateway::names
