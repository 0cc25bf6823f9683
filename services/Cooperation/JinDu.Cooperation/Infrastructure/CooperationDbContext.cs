using JinDu.BuildingBlocks.Data;
using JinDu.Cooperation.Model;
using Microsoft.EntityFrameworkCore;

namespace JinDu.Cooperation.Infrastructure;

public sealed class CooperationDbContext(DbContextOptions<CooperationDbContext> options) : ServiceDbContext(options)
{
    public DbSet<Notification> Notifications => Set<Notification>();
    public DbSet<DeliveryStream> DeliveryStreams => Set<DeliveryStream>();
    public DbSet<RegisteredAgency> RegisteredAgencies => Set<RegisteredAgency>();
    public DbSet<Agreement> Agreements => Set<Agreement>();
    public DbSet<SharingGroup> SharingGroups => Set<SharingGroup>();
    public DbSet<Subscription> Subscriptions => Set<Subscription>();
    public DbSet<WebhookEndpoint> WebhookEndpoints => Set<WebhookEndpoint>();
    public DbSet<WebhookDelivery> WebhookDeliveries => Set<WebhookDelivery>();
    public DbSet<WebhookAttempt> WebhookAttempts => Set<WebhookAttempt>();
    public DbSet<AssistanceRequest> AssistanceRequests => Set<AssistanceRequest>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        base.OnModelCreating(modelBuilder);
        modelBuilder.Entity<Notification>(e =>
        {
            e.ToTable("notifications");
            e.HasIndex(x => x.PublicId).IsUnique();
            e.HasIndex(x => new { x.RecipientAgency, x.Sequence }).IsUnique();
            e.HasIndex(x => new { x.SourceEventId, x.RecipientAgency, x.Type }).IsUnique();
            e.Property(x => x.RecipientAgency).HasMaxLength(6);
            e.Property(x => x.SourceAgency).HasMaxLength(6);
            e.Property(x => x.Type).HasMaxLength(40);
            e.Property(x => x.Title).HasMaxLength(300);
        });
        modelBuilder.Entity<DeliveryStream>(e =>
        {
            e.ToTable("delivery_streams");
            e.HasKey(x => x.RecipientAgency);
            e.Property(x => x.RecipientAgency).HasMaxLength(6);
            e.Property(x => x.LastSequence).IsConcurrencyToken();
        });
        modelBuilder.Entity<RegisteredAgency>(e =>
        {
            e.ToTable("registered_agencies");
            e.HasKey(x => x.Code);
            e.Property(x => x.Code).HasMaxLength(6);
            e.Property(x => x.DisplayName).HasMaxLength(200);
        });
        modelBuilder.Entity<Agreement>(e =>
        {
            e.ToTable("agreements");
            e.HasIndex(x => x.PublicId).IsUnique();
            e.HasIndex(x => new { x.PartyA, x.PartyB });
            e.Property(x => x.PartyA).HasMaxLength(6);
            e.Property(x => x.PartyB).HasMaxLength(6);
            e.Property(x => x.Disclosure).HasConversion<string>().HasMaxLength(10);
        });
        modelBuilder.Entity<SharingGroup>(e =>
        {
            e.ToTable("sharing_groups");
            e.HasIndex(x => x.PublicId).IsUnique();
            e.HasIndex(x => new { x.OwnerAgency, x.Name }).IsUnique();
            e.Property(x => x.OwnerAgency).HasMaxLength(6);
            e.Property(x => x.Name).HasMaxLength(100);
        });
        modelBuilder.Entity<Subscription>(e =>
        {
            e.ToTable("subscriptions");
            e.HasIndex(x => x.PublicId).IsUnique();
            e.HasIndex(x => x.Agency);
            e.Property(x => x.Agency).HasMaxLength(6);
            e.Property(x => x.CreatedBy).HasMaxLength(200);
        });
        modelBuilder.Entity<WebhookEndpoint>(e =>
        {
            e.ToTable("webhook_endpoints");
            e.HasIndex(x => x.Agency).IsUnique();
            e.Property(x => x.Agency).HasMaxLength(6);
            e.Property(x => x.Url).HasMaxLength(2000);
        });
        modelBuilder.Entity<WebhookDelivery>(e =>
        {
            // Room on every page for a delivery's lease, a HOT update (see WebhookDelivery.LeasedUntil).
            e.ToTable("webhook_deliveries").HasStorageParameter("fillfactor", 70);
            e.HasIndex(x => x.PublicId).IsUnique();
            e.HasIndex(x => new { x.Agency, x.NotificationId }).IsUnique();
            e.HasOne(x => x.Notification).WithMany().HasForeignKey(x => x.NotificationId);
            e.HasIndex(x => new { x.Agency, x.Sequence });
            // The dispatcher's reads: which subscribers have something due, and a subscriber's pending deliveries in
            // sequence order. Only pending rows are in these: through full indexes each read also walked past every
            // delivery already made to that subscriber (and, under load, past the entries just left behind).
            e.HasIndex(x => new { x.NextAttemptAt, x.Agency }, "IX_webhook_deliveries_pending_due").HasFilter("\"Status\" = 'Pending'");
            e.HasIndex(x => new { x.Agency, x.Sequence }, "IX_webhook_deliveries_pending_sequence").HasFilter("\"Status\" = 'Pending'");
            e.Property(x => x.Agency).HasMaxLength(6);
            e.Property(x => x.Type).HasMaxLength(40);
            e.Property(x => x.Status).HasConversion<string>().HasMaxLength(10);
            e.Property(x => x.LastError).HasMaxLength(600);
        });
        modelBuilder.Entity<AssistanceRequest>(e =>
        {
            e.ToTable("assistance_requests");
            e.HasIndex(x => x.PublicId).IsUnique();
            e.HasIndex(x => x.RequestingAgency);
            e.HasIndex(x => x.AssistingAgency);
            e.HasIndex(x => new { x.Status, x.Deadline });
            e.Property(x => x.RequestingAgency).HasMaxLength(6);
            e.Property(x => x.AssistingAgency).HasMaxLength(6);
            e.Property(x => x.EscalatedTo).HasMaxLength(6);
            e.Property(x => x.LeadReference).HasMaxLength(100);
            e.Property(x => x.Priority).HasConversion<string>().HasMaxLength(10);
            e.Property(x => x.Status).HasConversion<string>().HasMaxLength(15);
            e.Property(x => x.Version).IsConcurrencyToken();
            e.Property(x => x.CreatedBy).HasMaxLength(200);
            e.Property(x => x.RespondedBy).HasMaxLength(200);
            e.Property(x => x.DecidedBy).HasMaxLength(200);
        });
        modelBuilder.Entity<WebhookAttempt>(e =>
        {
            e.ToTable("webhook_attempts");
            e.HasIndex(x => new { x.Agency, x.Id });
            e.Property(x => x.Agency).HasMaxLength(6);
            e.Property(x => x.Outcome).HasMaxLength(10);
            e.Property(x => x.Error).HasMaxLength(600);
        });
    }
}
