using System;
using System.Collections.Generic;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace JinDu.Cooperation.Infrastructure.Migrations
{
    /// <inheritdoc />
    public partial class AssistanceRequests : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "assistance_requests",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    PublicId = table.Column<Guid>(type: "uuid", nullable: false),
                    RequestingAgency = table.Column<string>(type: "character varying(6)", maxLength: 6, nullable: false),
                    AssistingAgency = table.Column<string>(type: "character varying(6)", maxLength: 6, nullable: false),
                    LeadId = table.Column<Guid>(type: "uuid", nullable: false),
                    LeadReference = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    QuestionProtected = table.Column<string>(type: "text", nullable: false),
                    RequestedActions = table.Column<List<string>>(type: "text[]", nullable: false),
                    Priority = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: false),
                    Deadline = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    Status = table.Column<string>(type: "character varying(15)", maxLength: 15, nullable: false),
                    AnswerProtected = table.Column<string>(type: "text", nullable: true),
                    FindingsProtected = table.Column<string>(type: "text", nullable: true),
                    DeclineReasonProtected = table.Column<string>(type: "text", nullable: true),
                    CreatedBy = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    AcknowledgedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    RespondedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    RespondedBy = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    ClosedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    EscalatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    EscalatedTo = table.Column<string>(type: "character varying(6)", maxLength: 6, nullable: true),
                    Version = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_assistance_requests", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_assistance_requests_AssistingAgency",
                table: "assistance_requests",
                column: "AssistingAgency");

            migrationBuilder.CreateIndex(
                name: "IX_assistance_requests_PublicId",
                table: "assistance_requests",
                column: "PublicId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_assistance_requests_RequestingAgency",
                table: "assistance_requests",
                column: "RequestingAgency");

            migrationBuilder.CreateIndex(
                name: "IX_assistance_requests_Status_Deadline",
                table: "assistance_requests",
                columns: new[] { "Status", "Deadline" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "assistance_requests");
        }
    }
}
