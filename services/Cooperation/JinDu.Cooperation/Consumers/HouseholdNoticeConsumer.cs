using JinDu.BuildingBlocks.Divisions;
using JinDu.BuildingBlocks.Messaging;
using JinDu.Contracts;
using JinDu.Cooperation.Infrastructure;
using JinDu.Screening.Contracts.Events;
using MassTransit;

namespace JinDu.Cooperation.Consumers;

/// <summary>What a household county (户籍地) is told when one of its residents is flagged elsewhere.</summary>
public sealed record HouseholdNotice(
    Guid InspectionId,
    string FlaggingAgency,
    string FlaggingAgencyName,
    string Contact,
    string CheckpointName,
    DateTimeOffset InspectedAt,
    string Result,
    string SubjectMasked,
    string SubjectToken,
    string HouseholdCode,
    string RoutedTo,
    string RoutedLevel,
    IReadOnlyList<SeizureLine> Seizures);

/// <summary>
/// 外流贩毒通报: when a flagged person's ID number was issued in another county, that county is notified
/// (its prefecture, then its province, when the code has been retired). One flag notifies a recipient once.
/// </summary>
/// <summary>What a household county is told when one of its residents sent a parcel a courier feed flagged.</summary>
public sealed record ParcelHouseholdNotice(
    string Company,
    string WaybillMasked,
    string OutletCode,
    DateTimeOffset AcceptedAt,
    string Reason,
    string Referral,
    string FlaggingAgency,
    string FlaggingAgencyName,
    string Contact,
    string SubjectMasked,
    string SubjectToken,
    string HouseholdCode,
    string RoutedTo,
    string RoutedLevel);

public sealed class HouseholdNoticeConsumer(CooperationDbContext db, NotificationWriter writer, DivisionCatalog divisions,
    TimeProvider time, ILogger<HouseholdNoticeConsumer> log) : IConsumer<InspectionFlagged>, IConsumer<ParcelFlagged>
{
    public const string NoticeType = "household_county";

    public Task Consume(ConsumeContext<InspectionFlagged> context)
    {
        var flag = context.Message;
        return NotifyAsync(flag.EventId, flag.ProducerAgency, flag.Subjects, $"inspection {flag.InspectionId}", (person, household, flagging) =>
        (
            new HouseholdNotice(flag.InspectionId, flag.ProducerAgency, flagging, flagging + "禁毒办",
                flag.CheckpointName, flag.InspectedAt, flag.Result, person.Masked, person.Token, person.HouseholdCode!,
                household.Code, household.Level.ToString().ToLowerInvariant(), flag.Seizures),
            $"户籍地通报：{flagging}{flag.CheckpointName}查获贵辖区户籍人员 {person.Masked}"
        ), context.CancellationToken);
    }

    public Task Consume(ConsumeContext<ParcelFlagged> context)
    {
        var flag = context.Message;
        return NotifyAsync(flag.EventId, flag.ProducerAgency, flag.Subjects, $"parcel {flag.WaybillMasked}", (person, household, flagging) =>
        (
            new ParcelHouseholdNotice(flag.Company, flag.WaybillMasked, flag.OutletCode, flag.AcceptedAt, flag.Reason, flag.Referral,
                flag.ProducerAgency, flagging, flagging + "禁毒办", person.Masked, person.Token, person.HouseholdCode!,
                household.Code, household.Level.ToString().ToLowerInvariant()),
            $"户籍地通报：{flagging}寄递渠道发现贵辖区户籍人员 {person.Masked} 寄递可疑包裹"
        ), context.CancellationToken);
    }

    /// <summary>
    /// Notifies the household county of every flagged person (prefecture, then province, for retired codes),
    /// not the flagging county itself, and each recipient once per flag.
    /// </summary>
    private async Task NotifyAsync(Guid eventId, string producerAgency, IReadOnlyList<FlaggedSubject> subjects, string what,
        Func<FlaggedSubject, Division, string, (object Notice, string Title)> build, CancellationToken ct)
    {
        await db.ApplyOnceAsync(eventId, nameof(HouseholdNoticeConsumer), time, async () =>
        {
            var notified = new HashSet<string>();
            foreach (var person in subjects.Where(s => s is { Kind: SubjectKind.Person, HouseholdCode: not null }))
            {
                var household = divisions.ResolveHousehold(person.HouseholdCode!);
                if (household is null)
                {
                    log.LogWarning("Flag ({What}): household code {Code} is not a known division; nobody to notify", what, person.HouseholdCode);
                    continue;
                }
                if (household.Code == producerAgency || !notified.Add(household.Code)) continue;
                var flagging = divisions.Find(producerAgency)?.Name ?? producerAgency;
                var (notice, title) = build(person, household, flagging);
                await writer.AddAsync(household.Code, NoticeType, title, notice, eventId, producerAgency, ct);
                log.LogInformation("Flag ({What}): household notice to {Recipient} ({Level}) for {Subject}", what, household.Code, household.Level, person.Masked);
            }
        }, ct);
    }
}
