namespace JinDu.Cooperation.Model;

/// <summary>Who may see a lead (DESIGN.md §2): the owner only, its prefecture, agencies with an agreement, a named group.</summary>
public enum SharingLevel
{
    Internal,
    Prefecture,
    Partners,
    Group,
}

/// <summary>How much of a personal identifier leaves for a recipient, least first.</summary>
public enum Disclosure
{
    Tokens,
    Masked,
    Full,
}

/// <summary>What a recipient may do with what it got (after Europol's H-codes).</summary>
public enum HandlingCode
{
    H0,
    H1,
    H2,
    H3,
}

/// <summary>The kinds of notice a liaison can subscribe to (snake_case on the wire).</summary>
public enum NoticeType
{
    LeadShared,
    Deconfliction,
    HitConfirmation,
    HouseholdNotice,
    AssistanceRequested,
    AssistanceAnswered,
    /// <summary>A request passed its deadline: the assisting agency and its prefecture are told.</summary>
    AssistanceOverdue,
    /// <summary>A hit confirmation passed its deadline unanswered: the owner's prefecture is told.</summary>
    HitConfirmationOverdue,
}

public static class NoticeTypes
{
    /// <summary>
    /// The type a notification carries in the inbox. Household notices kept the name they were first
    /// published with (household_county); the others are the subscription type's name.
    /// </summary>
    public static string InboxType(NoticeType type) => type switch
    {
        NoticeType.HouseholdNotice => "household_county",
        _ => JinDu.BuildingBlocks.Hosting.EnumText.Of(type),
    };
}
