using JinDu.BuildingBlocks.Divisions;
using JinDu.BuildingBlocks.Messaging;
using JinDu.Contracts;
using JinDu.Cooperation.Infrastructure;
using JinDu.Cooperation.Model;
using JinDu.Cooperation.Sharing;
using JinDu.Screening.Contracts.Events;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace JinDu.Cooperation.Consumers;

/// <summary>
/// What a household county (户籍地) is told when one of its residents is flagged elsewhere (RoutedLevel county,
/// prefecture or province), or an agency watching the person (RoutedLevel watch). SubjectMasked is left out
/// when an agreement between the two says tokens only.
/// </summary>
public sealed record HouseholdNotice(
    Guid InspectionId,
    string FlaggingAgency,
    string FlaggingAgencyName,
    string Contact,
    string CheckpointName,
    DateTimeOffset InspectedAt,
    string Result,
    string? SubjectMasked,
    string SubjectToken,
    string? HouseholdCode,
    string RoutedTo,
    string RoutedLevel,
    IReadOnlyList<SeizureLine> Seizures);

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
    string? SubjectMasked,
    string SubjectToken,
    string? HouseholdCode,
    string RoutedTo,
    string RoutedLevel);

/// <summary>
/// 外流贩毒通报: when a flagged person's ID number was issued in another county, that county is notified
/// (its prefecture, then its province, when the code has been retired); so is every agency whose
/// household_notice subscription watches the person's token. One flag notifies a recipient once.
/// </summary>
public sealed class HouseholdNoticeConsumer(CooperationDbContext db, NotificationWriter writer, NoticeBatches batches, SharingRules rules, DivisionCatalog divisions,
    ILogger<HouseholdNoticeConsumer> log) : IConsumer<InspectionFlagged>, IConsumer<ParcelFlagged>
{
    public static readonly string NoticeType = NoticeTypes.InboxType(Model.NoticeType.HouseholdNotice);

    /// <summary>The inbox name of this consumer's events, whichever path (batch or single) applies them.</summary>
    public const string InboxName = nameof(HouseholdNoticeConsumer);

    public Task Consume(ConsumeContext<InspectionFlagged> context) =>
        batches.ApplyAsync([context.Message], InboxName, e => e.EventId, ApplyAsync, context.CancellationToken);

    public Task Consume(ConsumeContext<ParcelFlagged> context) =>
        batches.ApplyAsync([context.Message], InboxName, e => e.EventId, ApplyAsync, context.CancellationToken);

    /// <summary>The notices of one inspection flag, in the caller's unit of work (single or batch).</summary>
    public Task ApplyAsync(InspectionFlagged flag, CancellationToken ct)
    {
        return NotifyAsync(flag.EventId, flag.ProducerAgency, flag.Subjects, flag.Seizures.Select(x => x.Substance).Distinct().ToList(),
            $"inspection {flag.InspectionId}", (person, to, flagging, shown) =>
        (
            new HouseholdNotice(flag.InspectionId, flag.ProducerAgency, flagging, flagging + "禁毒办",
                flag.CheckpointName, flag.InspectedAt, flag.Result, shown.Masked, person.Token, person.HouseholdCode,
                to.Code, to.Level, flag.Seizures),
            to.Level == WatchLevel
                ? $"布控比中：{flagging}{flag.CheckpointName}查获贵单位布控人员 {RedactionPolicy.Display(shown)}"
                : $"户籍地通报：{flagging}{flag.CheckpointName}查获贵辖区户籍人员 {RedactionPolicy.Display(shown)}"
        ), ct);
    }

    /// <summary>The notices of one parcel flag, in the caller's unit of work (single or batch).</summary>
    public Task ApplyAsync(ParcelFlagged flag, CancellationToken ct)
    {
        return NotifyAsync(flag.EventId, flag.ProducerAgency, flag.Subjects, [], $"parcel {flag.WaybillMasked}", (person, to, flagging, shown) =>
        (
            new ParcelHouseholdNotice(flag.Company, flag.WaybillMasked, flag.OutletCode, flag.AcceptedAt, flag.Reason, flag.Referral,
                flag.ProducerAgency, flagging, flagging + "禁毒办", shown.Masked, person.Token, person.HouseholdCode,
                to.Code, to.Level),
            to.Level == WatchLevel
                ? $"布控比中：{flagging}寄递渠道发现贵单位布控人员 {RedactionPolicy.Display(shown)} 寄递可疑包裹"
                : $"户籍地通报：{flagging}寄递渠道发现贵辖区户籍人员 {RedactionPolicy.Display(shown)} 寄递可疑包裹"
        ), ct);
    }

    /// <summary>The routed level of a notice sent because a subscription watches the person, not because of the household.</summary>
    public const string WatchLevel = "watch";

    private sealed record Route(string Code, string Level);

    /// <summary>
    /// Notifies the household county of every flagged person (prefecture, then province, for retired codes) and every
    /// agency watching one of the subjects, not the flagging county itself, and each recipient once per flag. What the
    /// notice names of the person is the redaction policy's call: masked for a household county unless an agreement
    /// says tokens, tokens only for a watcher unless an agreement says more.
    /// </summary>
    private async Task NotifyAsync(Guid eventId, string producerAgency, IReadOnlyList<FlaggedSubject> subjects, IReadOnlyList<string> substances,
        string what, Func<FlaggedSubject, Route, string, RedactedSubject, (object Notice, string Title)> build, CancellationToken ct)
    {
        var notified = new HashSet<string> { producerAgency };
        var flagging = divisions.Find(producerAgency)?.Name ?? producerAgency;
        async Task SendAsync(FlaggedSubject subject, Route to, Disclosure fallback)
        {
            var disclosure = RedactionPolicy.ForDuty(producerAgency, to.Code, await AgreementsAsync(producerAgency, to.Code, ct), fallback);
            var shown = RedactionPolicy.Apply([new OutgoingSubject(subject.Kind, subject.Token, subject.Masked)], disclosure)[0];
            var (notice, title) = build(subject, to, flagging, shown);
            await writer.AddAsync(to.Code, NoticeType, title, notice, eventId, producerAgency, ct);
            log.LogDebug("Flag ({What}): notice to {Recipient} ({Level}) for {Subject}", what, to.Code, to.Level, subject.Masked);
        }

        foreach (var person in subjects.Where(s => s is { Kind: SubjectKind.Person, HouseholdCode: not null }))
        {
            var household = divisions.ResolveHousehold(person.HouseholdCode!);
            if (household is null)
            {
                log.LogWarning("Flag ({What}): household code {Code} is not a known division; nobody to notify", what, person.HouseholdCode);
                continue;
            }
            if (!notified.Add(household.Code)) continue;
            await SendAsync(person, new Route(household.Code, household.Level.ToString().ToLowerInvariant()), Disclosure.Masked);
        }

        var facts = new NoticeFacts(Model.NoticeType.HouseholdNotice, producerAgency, substances, null, subjects.Select(s => s.Token).ToList());
        var watchers = (await WatchesAsync(ct)).Where(s => SubscriptionFilter.Matches(s, facts));
        foreach (var watch in watchers)
        {
            if (!notified.Add(watch.Agency)) continue;
            var subject = subjects.First(x => watch.WatchTokens.Contains(x.Token));
            await SendAsync(subject, new Route(watch.Agency, WatchLevel), Disclosure.Tokens);
        }
    }

    // Read once per instance, that is per event or per batch of events (one scope each): a batch of a hundred flags
    // asked for the same watches and the same pair of agencies' agreements a hundred times.
    private List<Subscription>? _watches;
    private readonly Dictionary<(string, string), IReadOnlyList<AgreementTerms>> _agreements = [];

    private async Task<List<Subscription>> WatchesAsync(CancellationToken ct) =>
        _watches ??= await db.Subscriptions.AsNoTracking()
            .Where(s => s.Types.Contains(Model.NoticeType.HouseholdNotice) && s.WatchTokens.Count > 0).ToListAsync(ct);

    private async Task<IReadOnlyList<AgreementTerms>> AgreementsAsync(string from, string to, CancellationToken ct)
    {
        if (!_agreements.TryGetValue((from, to), out var terms))
            _agreements[(from, to)] = terms = await rules.AgreementsBetweenAsync(from, to, ct);
        return terms;
    }
}
