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
public sealed class HouseholdNoticeConsumer(CooperationDbContext db, NotificationWriter writer, DivisionCatalog divisions,
    TimeProvider time, ILogger<HouseholdNoticeConsumer> log) : IConsumer<InspectionFlagged>
{
    public const string NoticeType = "household_county";

    public async Task Consume(ConsumeContext<InspectionFlagged> context)
    {
        var flag = context.Message;
        await db.ApplyOnceAsync(flag.EventId, nameof(HouseholdNoticeConsumer), time, async () =>
        {
            var notified = new HashSet<string>();
            foreach (var person in flag.Subjects.Where(s => s is { Kind: SubjectKind.Person, HouseholdCode: not null }))
            {
                var household = divisions.ResolveHousehold(person.HouseholdCode!);
                if (household is null)
                {
                    log.LogWarning("Flag {InspectionId}: household code {Code} is not a known division; nobody to notify", flag.InspectionId, person.HouseholdCode);
                    continue;
                }
                // A county's own residents are its own business; and one flag notifies a recipient once.
                if (household.Code == flag.ProducerAgency || !notified.Add(household.Code)) continue;
                var flagging = divisions.Find(flag.ProducerAgency)?.Name ?? flag.ProducerAgency;
                var notice = new HouseholdNotice(flag.InspectionId, flag.ProducerAgency, flagging, flagging + "禁毒办",
                    flag.CheckpointName, flag.InspectedAt, flag.Result, person.Masked, person.Token, person.HouseholdCode!,
                    household.Code, household.Level.ToString().ToLowerInvariant(), flag.Seizures);
                var title = $"户籍地通报：{flagging}{flag.CheckpointName}查获贵辖区户籍人员 {person.Masked}";
                await writer.AddAsync(household.Code, NoticeType, title, notice, flag.EventId, flag.ProducerAgency, context.CancellationToken);
                log.LogInformation("Flag {InspectionId}: household notice to {Recipient} ({Level}) for {Subject}",
                    flag.InspectionId, household.Code, household.Level, person.Masked);
            }
        }, context.CancellationToken);
    }
}
