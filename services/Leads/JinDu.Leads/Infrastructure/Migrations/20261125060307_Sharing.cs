using System;
using System.Collections.Generic;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace JinDu.Leads.Infrastructure.Migrations
{
    /// <inheritdoc />
    public partial class Sharing : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "ShareGroup",
                table: "leads",
                type: "character varying(100)",
                maxLength: 100,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "access_requests",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    PublicId = table.Column<Guid>(type: "uuid", nullable: false),
                    LeadId = table.Column<long>(type: "bigint", nullable: false),
                    LeadReference = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    OwnerAgency = table.Column<string>(type: "character varying(6)", maxLength: 6, nullable: false),
                    RequesterAgency = table.Column<string>(type: "character varying(6)", maxLength: 6, nullable: false),
                    RequestedBy = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    Reason = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: false),
                    RequestedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    Status = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    DecidedBy = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    DecidedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    ExpiresAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    Answer = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true),
                    Version = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_access_requests", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "lead_recipients",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    Agency = table.Column<string>(type: "character varying(6)", maxLength: 6, nullable: false),
                    Via = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    ExpiresAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    At = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    By = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    LeadId = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_lead_recipients", x => x.Id);
                    table.ForeignKey(
                        name: "FK_lead_recipients_leads_LeadId",
                        column: x => x.LeadId,
                        principalTable: "leads",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "sharing_requests",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    PublicId = table.Column<Guid>(type: "uuid", nullable: false),
                    LeadId = table.Column<long>(type: "bigint", nullable: false),
                    OwnerAgency = table.Column<string>(type: "character varying(6)", maxLength: 6, nullable: false),
                    Level = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    Agencies = table.Column<List<string>>(type: "text[]", nullable: false),
                    GroupName = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    Handling = table.Column<string>(type: "character varying(2)", maxLength: 2, nullable: false),
                    HandlingConditions = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    RequestedBy = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    RequestedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    Status = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    DecidedBy = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    DecidedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    Reason = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_sharing_requests", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_access_requests_OwnerAgency_Id",
                table: "access_requests",
                columns: new[] { "OwnerAgency", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_access_requests_PublicId",
                table: "access_requests",
                column: "PublicId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_access_requests_RequesterAgency_Id",
                table: "access_requests",
                columns: new[] { "RequesterAgency", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_lead_recipients_Agency",
                table: "lead_recipients",
                column: "Agency");

            migrationBuilder.CreateIndex(
                name: "IX_lead_recipients_LeadId",
                table: "lead_recipients",
                column: "LeadId");

            migrationBuilder.CreateIndex(
                name: "IX_sharing_requests_OwnerAgency_Status",
                table: "sharing_requests",
                columns: new[] { "OwnerAgency", "Status" });

            migrationBuilder.CreateIndex(
                name: "IX_sharing_requests_PublicId",
                table: "sharing_requests",
                column: "PublicId",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "access_requests");

            migrationBuilder.DropTable(
                name: "lead_recipients");

            migrationBuilder.DropTable(
                name: "sharing_requests");

            migrationBuilder.DropColumn(
                name: "ShareGroup",
                table: "leads");
        }
    }
}
