using JinDu.BuildingBlocks.Data;
using JinDu.Cooperation.Model;
using Microsoft.EntityFrameworkCore;

namespace JinDu.Cooperation.Infrastructure;

public sealed class CooperationDbContext(DbContextOptions<CooperationDbContext> options) : ServiceDbContext(options)
{
    public DbSet<Notification> Notifications => Set<Notification>();
    public DbSet<DeliveryStream> DeliveryStreams => Set<DeliveryStream>();

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
    }
}
