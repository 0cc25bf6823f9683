using JinDu.BuildingBlocks.Data;
using JinDu.Screening.Couriers;
using JinDu.Screening.Model;
using Microsoft.EntityFrameworkCore;

namespace JinDu.Screening.Infrastructure;

public sealed class ScreeningDbContext(DbContextOptions<ScreeningDbContext> options) : ServiceDbContext(options)
{
    public DbSet<Checkpoint> Checkpoints => Set<Checkpoint>();
    public DbSet<Inspection> Inspections => Set<Inspection>();
    public DbSet<Parcel> Parcels => Set<Parcel>();
    public DbSet<OutletDay> OutletDays => Set<OutletDay>();
    public DbSet<Referral> Referrals => Set<Referral>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        base.OnModelCreating(modelBuilder);
        modelBuilder.Entity<Checkpoint>(e =>
        {
            e.ToTable("checkpoints");
            e.HasIndex(x => x.PublicId).IsUnique();
            e.HasIndex(x => x.AgencyCode);
            e.Property(x => x.AgencyCode).HasMaxLength(6);
            e.Property(x => x.Name).HasMaxLength(200);
            e.Property(x => x.Location).HasMaxLength(300);
            e.Property(x => x.Kind).HasConversion<string>().HasMaxLength(30);
        });
        modelBuilder.Entity<Inspection>(e =>
        {
            e.ToTable("inspections");
            // On PostgreSQL an inspection's id is known before its INSERT (taken ten at a time from a sequence), so the
            // inspection, its subjects and seizures, its audit entry and its event go to the server as one batch, one
            // round trip (see InspectionsApi.PostInspection); with an identity column the subjects had to wait for the
            // inspection's id, a second round trip. SQLite has no sequences and keeps its row ids.
            if (Database.IsNpgsql()) e.Property(x => x.Id).UseHiLo("inspections_hilo");
            e.HasIndex(x => x.PublicId).IsUnique();
            e.HasIndex(x => new { x.AgencyCode, x.Id });
            e.HasIndex(x => new { x.AgencyCode, x.InspectedAt });
            e.Property(x => x.AgencyCode).HasMaxLength(6);
            e.Property(x => x.OfficerId).HasMaxLength(200);
            e.Property(x => x.OfficerName).HasMaxLength(200);
            e.Property(x => x.Method).HasConversion<string>().HasMaxLength(30);
            e.Property(x => x.Result).HasConversion<string>().HasMaxLength(30);
            e.Property(x => x.Notes).HasMaxLength(2000);
            e.HasOne(x => x.Checkpoint).WithMany().HasForeignKey(x => x.CheckpointId);
            e.OwnsMany(x => x.Subjects, s =>
            {
                s.ToTable("inspection_subjects");
                s.WithOwner().HasForeignKey("InspectionId");
                s.Property<long>("Id");
                s.HasKey("Id");
                s.HasIndex(x => x.Token);
                s.Property(x => x.Kind).HasConversion<string>().HasMaxLength(20);
                s.Property(x => x.Token).HasMaxLength(64);
                s.Property(x => x.Masked).HasMaxLength(64);
                s.Property(x => x.HouseholdCode).HasMaxLength(6);
            });
            e.OwnsMany(x => x.Seizures, s =>
            {
                s.ToTable("inspection_seizures");
                s.WithOwner().HasForeignKey("InspectionId");
                s.Property<long>("Id");
                s.HasKey("Id");
                s.Property(x => x.Substance).HasMaxLength(50);
                s.Property(x => x.Grams).HasPrecision(14, 3);
            });
        });
        modelBuilder.Entity<Parcel>(e =>
        {
            // Raw SQL in ParcelBatchWriter uses these table and column names.
            e.ToTable("parcels");
            e.HasIndex(x => new { x.Company, x.Waybill }).IsUnique();
            e.HasIndex(x => new { x.Company, x.OutletCode, x.Day });
            e.HasIndex(x => x.SenderIdToken);
            e.HasIndex(x => x.SenderPhoneToken);
            e.HasIndex(x => x.RecipientPhoneToken);
            e.Property(x => x.Company).HasMaxLength(10);
            e.Property(x => x.Waybill).HasMaxLength(40);
            e.Property(x => x.WaybillToken).HasMaxLength(64);
            e.Property(x => x.OutletCode).HasMaxLength(40);
            e.Property(x => x.OutletRegion).HasMaxLength(6);
            e.Property(x => x.SenderIdToken).HasMaxLength(64);
            e.Property(x => x.SenderIdMasked).HasMaxLength(32);
            e.Property(x => x.SenderPhoneToken).HasMaxLength(64);
            e.Property(x => x.RecipientPhoneToken).HasMaxLength(64);
            e.Property(x => x.RecipientRegion).HasMaxLength(6);
            e.Property(x => x.DestinationRegion).HasMaxLength(6);
            e.Property(x => x.DeclaredContents).HasMaxLength(200);
            e.Property(x => x.Inspector).HasMaxLength(50);
            e.Property(x => x.XRayMachine).HasMaxLength(50);
            e.Property(x => x.XRayResult).HasMaxLength(20);
            e.Ignore(x => x.AllThree);
            e.Ignore(x => x.Suspicious);
        });
        modelBuilder.Entity<OutletDay>(e =>
        {
            e.ToTable("outlet_days");
            e.HasKey(x => new { x.Company, x.OutletCode, x.Day });
            e.HasIndex(x => new { x.Day, x.OutletRegion });
            e.Property(x => x.Company).HasMaxLength(10);
            e.Property(x => x.OutletCode).HasMaxLength(40);
            e.Property(x => x.OutletRegion).HasMaxLength(6);
        });
        modelBuilder.Entity<Referral>(e =>
        {
            e.ToTable("referrals");
            e.HasIndex(x => x.PublicId).IsUnique();
            e.HasIndex(x => new { x.Company, x.Sequence }).IsUnique();
            e.HasIndex(x => new { x.Company, x.Waybill });
            e.Property(x => x.Company).HasMaxLength(10);
            e.Property(x => x.Waybill).HasMaxLength(40);
            e.Property(x => x.Action).HasConversion<string>().HasMaxLength(20);
            e.Property(x => x.Reason).HasMaxLength(300);
            e.Property(x => x.IssuingAgency).HasMaxLength(6);
        });
    }
}
