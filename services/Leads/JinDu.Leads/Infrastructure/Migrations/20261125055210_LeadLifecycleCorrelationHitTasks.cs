using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace JinDu.Leads.Infrastructure.Migrations
{
    /// <inheritdoc />
    public partial class LeadLifecycleCorrelationHitTasks : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Assignee",
                table: "leads",
                type: "character varying(200)",
                maxLength: 200,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "CaseNumber",
                table: "leads",
                type: "character varying(50)",
                maxLength: 50,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "CloseReason",
                table: "leads",
                type: "character varying(20)",
                maxLength: 20,
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "ClosedAt",
                table: "leads",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "Credibility",
                table: "leads",
                type: "integer",
                nullable: true);

            // Leads from before sharing rules existed stay with their owner: internal, H0.
            migrationBuilder.AddColumn<string>(
                name: "Handling",
                table: "leads",
                type: "character varying(2)",
                maxLength: 2,
                nullable: false,
                defaultValue: "H0");

            migrationBuilder.AddColumn<string>(
                name: "HandlingConditions",
                table: "leads",
                type: "character varying(500)",
                maxLength: 500,
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "MergedInto",
                table: "leads",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Reliability",
                table: "leads",
                type: "character varying(1)",
                maxLength: 1,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Sharing",
                table: "leads",
                type: "character varying(20)",
                maxLength: 20,
                nullable: false,
                defaultValue: "Internal");

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "TriagedAt",
                table: "leads",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "Version",
                table: "leads",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<string>(
                name: "Encrypted",
                table: "lead_subjects",
                type: "character varying(1000)",
                maxLength: 1000,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "hit_confirmation_tasks",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    PublicId = table.Column<Guid>(type: "uuid", nullable: false),
                    OwnerAgency = table.Column<string>(type: "character varying(6)", maxLength: 6, nullable: false),
                    LeadId = table.Column<long>(type: "bigint", nullable: false),
                    LeadPublicId = table.Column<Guid>(type: "uuid", nullable: false),
                    LeadReference = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    HitId = table.Column<Guid>(type: "uuid", nullable: false),
                    HitAgency = table.Column<string>(type: "character varying(6)", maxLength: 6, nullable: false),
                    HitDescription = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false),
                    Urgency = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    Status = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    DueAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    EscalatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    AnsweredAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    AnsweredBy = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    Note = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true),
                    Version = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_hit_confirmation_tasks", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "lead_links",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    OtherLeadId = table.Column<Guid>(type: "uuid", nullable: false),
                    OtherReference = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    OtherAgency = table.Column<string>(type: "character varying(6)", maxLength: 6, nullable: false),
                    Kind = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    LinkedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    LeadId = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_lead_links", x => x.Id);
                    table.ForeignKey(
                        name: "FK_lead_links_leads_LeadId",
                        column: x => x.LeadId,
                        principalTable: "leads",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_leads_OwnerAgency_Status",
                table: "leads",
                columns: new[] { "OwnerAgency", "Status" });

            migrationBuilder.CreateIndex(
                name: "IX_hit_confirmation_tasks_LeadId_HitId",
                table: "hit_confirmation_tasks",
                columns: new[] { "LeadId", "HitId" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_hit_confirmation_tasks_OwnerAgency_Id",
                table: "hit_confirmation_tasks",
                columns: new[] { "OwnerAgency", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_hit_confirmation_tasks_PublicId",
                table: "hit_confirmation_tasks",
                column: "PublicId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_hit_confirmation_tasks_Status_DueAt",
                table: "hit_confirmation_tasks",
                columns: new[] { "Status", "DueAt" });

            migrationBuilder.CreateIndex(
                name: "IX_lead_links_LeadId_OtherLeadId",
                table: "lead_links",
                columns: new[] { "LeadId", "OtherLeadId" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "hit_confirmation_tasks");

            migrationBuilder.DropTable(
                name: "lead_links");

            migrationBuilder.DropIndex(
                name: "IX_leads_OwnerAgency_Status",
                table: "leads");

            migrationBuilder.DropColumn(
                name: "Assignee",
                table: "leads");

            migrationBuilder.DropColumn(
                name: "CaseNumber",
                table: "leads");

            migrationBuilder.DropColumn(
                name: "CloseReason",
                table: "leads");

            migrationBuilder.DropColumn(
                name: "ClosedAt",
                table: "leads");

            migrationBuilder.DropColumn(
                name: "Credibility",
                table: "leads");

            migrationBuilder.DropColumn(
                name: "Handling",
                table: "leads");

            migrationBuilder.DropColumn(
                name: "HandlingConditions",
                table: "leads");

            migrationBuilder.DropColumn(
                name: "MergedInto",
                table: "leads");

            migrationBuilder.DropColumn(
                name: "Reliability",
                table: "leads");

            migrationBuilder.DropColumn(
                name: "Sharing",
                table: "leads");

            migrationBuilder.DropColumn(
                name: "TriagedAt",
                table: "leads");

            migrationBuilder.DropColumn(
                name: "Version",
                table: "leads");

            migrationBuilder.DropColumn(
                name: "Encrypted",
                table: "lead_subjects");
        }
    }
}
